"""Unit tests, with the standard library's runner: `python -m unittest`."""

import unittest

from fastapi.testclient import TestClient

from main import app


class HealthTest(unittest.TestCase):
    def test_healthz_answers_ok(self) -> None:
        response = TestClient(app).get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})


if __name__ == "__main__":
    unittest.main()
