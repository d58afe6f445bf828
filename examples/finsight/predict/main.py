"""Forecasts the next values of a series with the C kernel compiled into the image."""
import platform

import forecast
from fastapi import FastAPI, HTTPException, Query

app = FastAPI(title="finsight predict")


@app.get("/health")
def health():
    return {"ok": True, "python": platform.python_version()}


@app.get("/forecast")
def predict(
    values: str = Query(..., description="comma-separated series, oldest first"),
    horizon: int = Query(1, ge=1, le=365),
    alpha: float = 0.5,
    beta: float = 0.3,
):
    try:
        series = [float(v) for v in values.split(",") if v.strip()]
        value = forecast.holt(series, alpha=alpha, beta=beta, horizon=horizon)
    except ValueError as error:
        raise HTTPException(status_code=400, detail=str(error)) from error
    return {
        "forecast": round(value, 6),
        "horizon": horizon,
        "kernel": forecast.__file__.rsplit("/", 1)[-1],
        "python": platform.python_version(),
    }
