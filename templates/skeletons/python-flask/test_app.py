"""Unit tests, with the standard library's runner: `python -m unittest`."""

import unittest

from app import app


class HealthTest(unittest.TestCase):
    def test_healthz_answers_ok(self) -> None:
        response = app.test_client().get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ok"})


if __name__ == "__main__":
    unittest.main()
