/* finsight's forecasting kernel: Holt's linear exponential smoothing in C, exposed to
 * Python as the `forecast` extension module. Compiled during the image build. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Forecasts `horizon` steps after `values` with level/trend smoothing factors alpha, beta. */
static double holt(const double *values, Py_ssize_t n, double alpha, double beta, int horizon)
{
    double level = values[0];
    double trend = n > 1 ? values[1] - values[0] : 0.0;
    for (Py_ssize_t i = 1; i < n; i++) {
        double previous = level;
        level = alpha * values[i] + (1.0 - alpha) * (level + trend);
        trend = beta * (level - previous) + (1.0 - beta) * trend;
    }
    return level + horizon * trend;
}

static PyObject *forecast_holt(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"values", "alpha", "beta", "horizon", NULL};
    PyObject *sequence;
    double alpha = 0.5, beta = 0.3;
    int horizon = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|ddi", keywords, &sequence, &alpha, &beta,
                                     &horizon))
        return NULL;
    if (alpha <= 0.0 || alpha > 1.0 || beta < 0.0 || beta > 1.0) {
        PyErr_SetString(PyExc_ValueError, "alpha must be in (0, 1] and beta in [0, 1]");
        return NULL;
    }
    PyObject *fast = PySequence_Fast(sequence, "values must be a sequence of numbers");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n == 0) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "values must not be empty");
        return NULL;
    }
    double *values = PyMem_New(double, n);
    if (values == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        values[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (values[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(values);
            Py_DECREF(fast);
            return NULL;
        }
    }
    double result = holt(values, n, alpha, beta, horizon);
    PyMem_Free(values);
    Py_DECREF(fast);
    return PyFloat_FromDouble(result);
}

static PyMethodDef methods[] = {
    {"holt", (PyCFunction)(void (*)(void))forecast_holt, METH_VARARGS | METH_KEYWORDS,
     "holt(values, alpha=0.5, beta=0.3, horizon=1) -> float: Holt's linear forecast."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "forecast", NULL, -1, methods};

PyMODINIT_FUNC PyInit_forecast(void) { return PyModule_Create(&module); }
