// Trades the one-time token in the address for a session cookie, then loads the app.
"use strict";
(function () {
  const status = document.getElementById("signin-status");
  const form = document.getElementById("signin-form");
  const input = document.getElementById("signin-token");

  async function signIn(token) {
    status.textContent = "Signing in…";
    let resp;
    try {
      resp = await fetch("/web/sign-in", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-burro-csrf": "sign-in" },
        body: JSON.stringify({ token: token }),
      });
    } catch (err) {
      status.textContent = "Cannot reach the server: " + err;
      form.hidden = false;
      return;
    }
    if (resp.ok) {
      location.replace("/");
      return;
    }
    let message = "Sign-in failed (" + resp.status + ")";
    try { message = (await resp.json()).error || message; } catch (e) { /* keep */ }
    status.textContent = message;
    form.hidden = false;
    input.focus();
  }

  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  // The token never stays in the address bar (history, screenshots, shoulder surfers).
  history.replaceState(null, "", location.pathname);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    let value = input.value.trim();
    const m = value.match(/[?&]token=([^&#\s]+)/);
    if (m) value = decodeURIComponent(m[1]);
    if (value) signIn(value);
  });
  if (token) {
    signIn(token);
  } else {
    status.textContent = "Open the sign-in link `burro serve` printed, or paste a token.";
    form.hidden = false;
  }
})();
