"""Small programs the tests run as separate processes against the test database."""
