"""The self-hosted GitHub review bot: a webhook endpoint that acknowledges at once, a
queue that survives restarts, and a worker that reviews pull requests and posts one
review with inline comments plus one summary comment edited in place."""
