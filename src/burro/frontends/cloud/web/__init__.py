"""The browser face of `burro serve`: static files, sign-in and cookie sessions."""
