"""Unit tests, with Django's runner: `python manage.py test`."""

from django.test import SimpleTestCase


class HealthTest(SimpleTestCase):
    def test_healthz_answers_ok(self) -> None:
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
