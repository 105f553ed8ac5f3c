// The task list, the new-task form and the task view, over the task API and its event
// stream (the same ones `burro cloud` uses). Plain JS, no build step.
"use strict";
(function () {
  const R = window.burroRender;
  const el = R.el;
  const $ = (id) => document.getElementById(id);
  const KINDS = ("session_configured turn_context turn_started turn_complete turn_aborted turn_failed " +
    "user_message agent_message_delta agent_message reasoning_delta reasoning exec_command_begin " +
    "exec_command_output_delta exec_command_end patch_apply_begin patch_apply_end plan_update " +
    "tool_call_begin tool_call_end token_count stream_retry warning error context_compacted " +
    "completion_nudge exec_approval_request patch_approval_request undo_complete shutdown_complete").split(" ");
  const LABELS = { queued: "queued", running: "running", waiting_approval: "waiting for input",
    completed: "done", failed: "failed", cancelled: "cancelled" };
  const TERMINAL = new Set(["completed", "failed", "cancelled"]);
  const PAGE = 500; // the newest events shown on open
  const EARLIER = 2000; // per "Show earlier events" click
  let csrf = "";
  let filter = "all";
  let tasks = [];
  let lastStatus = new Map();
  let current = null; // the open task view

  function flash(text) {
    const f = $("flash");
    f.textContent = text;
    f.hidden = !text;
  }

  async function api(path, opts) {
    opts = Object.assign({ credentials: "same-origin", headers: {} }, opts || {});
    if (opts.method && opts.method !== "GET") opts.headers["x-burro-csrf"] = csrf;
    if (opts.json !== undefined) {
      opts.headers["content-type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
    }
    const resp = await fetch(path, opts);
    if (resp.status === 401) { location.replace("/"); throw new Error("signed out"); }
    if (!resp.ok) {
      let msg = resp.status + " " + resp.statusText;
      try { msg = (await resp.json()).error || msg; } catch (e) { /* keep */ }
      throw new Error(msg);
    }
    return resp;
  }

  function age(ts) {
    const s = Math.max(0, Date.now() / 1000 - ts);
    if (s < 60) return Math.round(s) + "s ago";
    if (s < 3600) return Math.round(s / 60) + "m ago";
    if (s < 86400) return Math.round(s / 3600) + "h ago";
    return Math.round(s / 86400) + "d ago";
  }

  const firstLine = (t) => String(t || "").split("\n")[0].slice(0, 200);
  const base = (repo) => String(repo).replace(/\/+$/, "").split("/").pop();

  function chip(status) {
    return el("span", "chip s-" + status, LABELS[status] || status);
  }

  // ------------------------------------------------------------------ list
  function renderFilters() {
    const box = $("filters");
    box.replaceChildren();
    for (const f of ["all", "queued", "running", "waiting_approval", "completed", "failed", "cancelled"]) {
      const b = box.appendChild(el("button", "filter", f === "all" ? "all" : LABELS[f]));
      b.type = "button";
      b.setAttribute("aria-pressed", String(f === filter));
      b.addEventListener("click", () => { filter = f; renderFilters(); renderList(); });
    }
  }

  function renderList() {
    const list = $("task-list");
    const shown = tasks.filter((t) => filter === "all" || t.status === filter);
    list.replaceChildren();
    for (const t of shown) {
      const li = list.appendChild(el("li", "task"));
      const a = li.appendChild(el("a"));
      a.href = "#/task/" + t.id;
      a.appendChild(chip(t.status));
      a.appendChild(el("span", "title", firstLine(t.prompt)));
      const meta = [base(t.repo) + (t.branch ? " (" + t.branch + ")" : "") + (t.base_commit ? "@" + t.base_commit.slice(0, 7) : ""),
        [t.model, t.effort].filter(Boolean).join(" ") || "default model",
        t.attempts.length + (t.attempts.length === 1 ? " attempt" : " attempts"),
        age(t.created_at), R.fmtTokens(t.usage.total_tokens) + " tokens"];
      a.appendChild(el("span", "meta", meta.join(" · ")));
    }
    $("task-list-empty").hidden = tasks.length > 0;
    const repos = $("known-repos");
    repos.replaceChildren();
    for (const r of new Set(tasks.map((t) => t.repo))) repos.appendChild(el("option")).value = r;
  }

  function notify(t) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const what = t.status === "waiting_approval" ? "is waiting for you" : "is " + LABELS[t.status];
    const n = new Notification("burro: task " + what, { body: firstLine(t.prompt), tag: t.id });
    n.onclick = () => { window.focus(); location.hash = "#/task/" + t.id; };
  }

  async function pollTasks() {
    try {
      tasks = (await (await api("/api/tasks?limit=100")).json()).tasks;
    } catch (e) { return; }
    for (const t of tasks) {
      const before = lastStatus.get(t.id);
      if (before && before !== t.status && (TERMINAL.has(t.status) || t.status === "waiting_approval")) notify(t);
      lastStatus.set(t.id, t.status);
    }
    if (!$("view-list").hidden) renderList();
  }

  // ------------------------------------------------------------------ new task
  async function submitTask(e) {
    e.preventDefault();
    const f = e.target;
    const body = { repo: f.repo.value.trim(), prompt: f.prompt.value, attempts: Number(f.attempts.value),
      approval_policy: f.approval.value };
    if (f.base.value.trim()) body.base = f.base.value.trim();
    if (f.model.value.trim()) body.model = f.model.value.trim();
    if (f.effort.value) body.effort = f.effort.value;
    try {
      const created = await (await api("/api/tasks", { method: "POST", json: body })).json();
      f.prompt.value = "";
      flash("");
      location.hash = "#/task/" + created.id;
    } catch (err) { flash("Could not start the task: " + err.message); }
  }

  // ------------------------------------------------------------------ task view
  class TaskView {
    constructor(id) {
      this.id = id;
      this.attempts = new Map();
      this.active = 1;
      this.es = null;
      this.closed = false;
      this.retry = 0;
      this.timer = null;
      this.view = null;
    }

    cursor() {
      return [...this.attempts.values()].map((a) => a.k + ":" + a.r.maxSeq).join(",");
    }

    async open() {
      this.view = await (await api("/api/tasks/" + this.id)).json();
      $("t-tabs").replaceChildren();
      $("t-panels").replaceChildren();
      for (const av of this.view.attempts) this.addAttempt(av);
      this.select(1);
      this.paint();
      await Promise.all([...this.attempts.values()].map((a) => this.loadPageAndApply(a)));
      this.connect();
      this.timer = setInterval(() => this.refresh(), 3000);
    }

    addAttempt(av) {
      const k = av.k;
      const tab = $("t-tabs").appendChild(el("button", "tab", "Attempt " + k));
      tab.type = "button";
      tab.id = "tab-" + k;
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", "panel-" + k);
      tab.addEventListener("click", () => this.select(k));
      const panel = $("t-panels").appendChild(el("section", "panel"));
      panel.id = "panel-" + k;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", "tab-" + k);
      const a = { k, tab, panel, events: [], more: false, diffStale: true };
      a.meta = panel.appendChild(el("p", "muted attempt-meta"));
      const apply = panel.appendChild(el("div", "apply"));
      a.applyCmd = apply.appendChild(el("code", "applycmd", "burro cloud apply " + this.id + " --attempt " + k));
      const copy = apply.appendChild(el("button", null, "Copy"));
      copy.type = "button";
      copy.setAttribute("aria-label", "Copy the apply command for attempt " + k);
      copy.addEventListener("click", () => this.copy(a.applyCmd, copy));
      const sw = panel.appendChild(el("div", "switch"));
      a.showLog = sw.appendChild(el("button", "sw", "Transcript"));
      a.showDiff = sw.appendChild(el("button", "sw", "Diff"));
      for (const b of [a.showLog, a.showDiff]) b.type = "button";
      a.showLog.addEventListener("click", () => this.mode(a, "log"));
      a.showDiff.addEventListener("click", () => this.mode(a, "diff"));
      a.logBox = panel.appendChild(el("div", "log"));
      a.earlier = a.logBox.appendChild(el("button", "earlier", "Show earlier events"));
      a.earlier.type = "button";
      a.earlier.hidden = true;
      a.earlier.addEventListener("click", () => this.loadEarlier(a));
      a.planHead = a.logBox.appendChild(el("h2", "small", "Plan"));
      a.planHead.hidden = true;
      a.diffBox = panel.appendChild(el("div", "diff"));
      this.fresh(a);
      this.attempts.set(k, a);
      this.mode(a, "log");
    }

    fresh(a) {
      const hooks = { approve: (k, cid, d, item) => this.approve(k, cid, d, item) };
      const r = new R.Attempt(a.k, hooks);
      if (a.r) { a.r.planBox.remove(); a.r.root.remove(); a.r.filesBox.remove(); }
      a.r = r;
      a.planHead.after(r.planBox);
      a.logBox.appendChild(r.root);
      a.logBox.appendChild(r.filesBox);
    }

    mode(a, m) {
      a.logBox.hidden = m !== "log";
      a.diffBox.hidden = m !== "diff";
      a.showLog.setAttribute("aria-pressed", String(m === "log"));
      a.showDiff.setAttribute("aria-pressed", String(m === "diff"));
      if (m === "diff") this.loadDiff(a);
    }

    async loadDiff(a) {
      if (a.diffBox.hidden || !a.diffStale) return;
      a.diffStale = false;
      try {
        const text = await (await api("/api/tasks/" + this.id + "/diff?attempt=" + a.k)).text();
        a.diffBox.replaceChildren(R.renderDiff(text));
      } catch (e) { a.diffBox.textContent = "Could not load the diff: " + e.message; a.diffStale = true; }
    }

    select(k) {
      this.active = k;
      for (const a of this.attempts.values()) {
        a.tab.setAttribute("aria-selected", String(a.k === k));
        a.panel.hidden = a.k !== k;
      }
      this.paint();
    }

    async loadPage(a, before) {
      const q = "?attempt=" + a.k + "&limit=" + (before ? EARLIER + "&before=" + before : PAGE);
      const page = await (await api("/web/tasks/" + this.id + "/history" + q)).json();
      a.more = page.more;
      a.earlier.hidden = !a.more;
      return page.events;
    }

    async loadPageAndApply(a) {
      for (const e of await this.loadPage(a)) this.take(a, e.seq, e.event);
    }

    take(a, seq, event) {
      if (a.r.apply(seq, event)) a.events.push([seq, event]);
      if (/^(turn_complete|turn_failed|turn_aborted|patch_apply_end|exec_command_end)$/.test(event.type)) {
        a.diffStale = true;
        this.loadDiff(a);
      }
    }

    async loadEarlier(a) {
      const first = a.events.length ? a.events[0][0] : a.r.maxSeq + 1;
      const older = (await this.loadPage(a, first)).map((e) => [e.seq, e.event]);
      const all = older.concat(a.events);
      a.events = [];
      this.fresh(a);
      for (const [seq, ev] of all) this.take(a, seq, ev);
      this.markAnswered();
    }

    connect() {
      if (this.closed) return;
      const es = new EventSource("/api/tasks/" + this.id + "/events?after=" + encodeURIComponent(this.cursor()));
      this.es = es;
      const onEvent = (msg) => {
        if (msg.data === undefined) return this.dropped(es); // the connection's own error
        const d = JSON.parse(msg.data);
        const a = this.attempts.get(d.attempt);
        if (a) this.take(a, d.seq, d.event);
        this.retry = 0;
        this.paintSoon();
      };
      for (const kind of KINDS) es.addEventListener(kind, onEvent);
      es.addEventListener("end", () => { es.close(); this.es = null; this.refresh(); });
    }

    dropped(es) {
      // Reconnect on our own, from the events we hold (same cursor as Last-Event-ID).
      es.close();
      if (this.es !== es || this.closed) return;
      this.es = null;
      this.retry = Math.min(this.retry + 1, 5);
      setTimeout(() => { if (!this.es) this.connect(); }, 500 * this.retry);
    }

    async refresh() {
      try { this.view = await (await api("/api/tasks/" + this.id)).json(); } catch (e) { return; }
      const live = !TERMINAL.has(this.view.status);
      if (live && !this.es && this.retry === 0) this.connect();
      this.markAnswered();
      this.paint();
    }

    markAnswered() {
      for (const av of this.view ? this.view.attempts : []) {
        const pending = new Set(av.pending_approvals.map((p) => p.call_id));
        const a = this.attempts.get(av.k);
        for (const [key, item] of a ? a.r.items : []) {
          if (key.startsWith("a:") && !pending.has(key.slice(2)) && !item.dataset.answered) {
            item.dataset.answered = "1";
            for (const b of item.querySelectorAll("button")) b.disabled = true;
          }
        }
      }
    }

    paintSoon() {
      if (this.painting) return;
      this.painting = true;
      requestAnimationFrame(() => { this.painting = false; this.paint(); });
    }

    paint() {
      const v = this.view;
      if (!v) return;
      $("t-status").replaceWith(Object.assign(chip(v.status), { id: "t-status" }));
      $("t-title").textContent = firstLine(v.prompt);
      $("t-meta").textContent = [v.repo + (v.branch ? " (" + v.branch + ")" : "") + (v.base_commit ? " @ " + v.base_commit.slice(0, 7) : ""),
        R.fmtTokens(v.usage.total_tokens) + " tokens", R.fmtDuration(v.wall_time_s * 1000) + " wall"].join(" · ");
      for (const av of v.attempts) {
        const a = this.attempts.get(av.k);
        if (!a) continue;
        a.tab.textContent = "Attempt " + av.k + " · " + (LABELS[av.status] || av.status);
        const u = a.r.usage || av.usage;
        a.meta.textContent = [[av.model, av.effort].filter(Boolean).join(" "),
          R.fmtTokens(u.input_tokens) + " in / " + R.fmtTokens(u.output_tokens) + " out",
          av.wall_time_s === null ? "not started" : R.fmtDuration(av.wall_time_s * 1000)].filter(Boolean).join(" · ");
        a.planHead.hidden = a.r.planBox.hidden;
      }
      const a = this.attempts.get(this.active);
      const av = v.attempts.find((x) => x.k === this.active);
      let now = a ? a.r.now : "";
      if (av && av.status === "queued") now = "Queued, waiting for a worker";
      if (av && av.status === "cancelled") now = "Cancelled";
      if (av && av.status === "waiting_approval") now = "Waiting for your approval";
      $("t-now").textContent = now ? "Now: " + now : "";
      $("cancel-button").disabled = TERMINAL.has(v.status);
      const target = $("f-followup-target");
      if (target && target.options.length !== v.attempts.length + 1) {
        target.replaceChildren(el("option", null, "all attempts"));
        target.options[0].value = "";
        for (const x of v.attempts) target.appendChild(el("option", null, "attempt " + x.k)).value = String(x.k);
        target.parentElement.hidden = v.attempts.length < 2;
      }
    }

    async approve(k, callId, decision, item) {
      for (const b of item.querySelectorAll("button")) b.disabled = true;
      try {
        await api("/api/tasks/" + this.id + "/approvals/" + encodeURIComponent(callId),
          { method: "POST", json: { decision, attempt: k } });
        item.dataset.answered = "1";
        item.appendChild(el("div", "muted", "Sent: " + decision.replace(/_/g, " ")));
      } catch (e) {
        flash("Could not send the answer: " + e.message);
        for (const b of item.querySelectorAll("button")) b.disabled = false;
      }
    }

    async copy(node, button) {
      try {
        await navigator.clipboard.writeText(node.textContent);
        button.textContent = "Copied";
      } catch (e) {
        getSelection().selectAllChildren(node);
        button.textContent = "Selected; copy it";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    }

    close() {
      this.closed = true;
      clearInterval(this.timer);
      if (this.es) this.es.close();
    }
  }

  async function sendFollowUp(e) {
    e.preventDefault();
    if (!current) return;
    const text = $("f-followup").value;
    const target = $("f-followup-target");
    const body = { text };
    if (target && target.value) body.attempt = Number(target.value);
    try {
      await api("/api/tasks/" + current.id + "/follow-ups", { method: "POST", json: body });
      $("f-followup").value = "";
      flash("");
      current.retry = 0;
      await current.refresh();
    } catch (err) { flash("Could not send: " + err.message); }
  }

  let cancelArmed = 0;
  async function cancelTask() {
    const b = $("cancel-button");
    if (!current) return;
    if (Date.now() - cancelArmed > 4000) {
      cancelArmed = Date.now();
      b.textContent = "Tap again to cancel";
      setTimeout(() => { b.textContent = "Cancel task"; }, 4000);
      return;
    }
    cancelArmed = 0;
    b.textContent = "Cancel task";
    try {
      await api("/api/tasks/" + current.id + "/cancel", { method: "POST" });
      await current.refresh();
    } catch (err) { flash("Could not cancel: " + err.message); }
  }

  // ------------------------------------------------------------------ routing
  async function route() {
    if (current) { current.close(); current = null; }
    const hash = location.hash || "#/";
    for (const v of ["view-list", "view-new", "view-task"]) $(v).hidden = true;
    flash("");
    const m = hash.match(/^#\/task\/([\w-]+)$/);
    if (m) {
      $("view-task").hidden = false;
      current = new TaskView(m[1]);
      window.burroDebug.view = current;
      try { await current.open(); } catch (e) { flash("Could not open the task: " + e.message); }
    } else if (hash === "#/new") {
      $("view-new").hidden = false;
      $("f-repo").focus();
    } else {
      $("view-list").hidden = false;
      renderList();
    }
  }

  function setupNotifications() {
    const b = $("notify-button");
    if (!("Notification" in window) || !window.isSecureContext) return;
    b.hidden = Notification.permission === "granted";
    b.addEventListener("click", async () => {
      b.hidden = (await Notification.requestPermission()) === "granted";
    });
  }

  async function main() {
    window.burroDebug = { view: null }; // the open task view, for tests and bug reports
    csrf = (await (await api("/web/me")).json()).csrf || "";
    const target = el("div", "col");
    const label = target.appendChild(el("label", null, "Send to"));
    label.htmlFor = "f-followup-target";
    target.appendChild(el("select")).id = "f-followup-target";
    target.hidden = true;
    $("f-followup").after(target);
    renderFilters();
    setupNotifications();
    $("new-form").addEventListener("submit", submitTask);
    $("followup-form").addEventListener("submit", sendFollowUp);
    $("cancel-button").addEventListener("click", cancelTask);
    $("sign-out").addEventListener("click", async () => {
      await api("/web/sign-out", { method: "POST" });
      location.replace("/");
    });
    window.addEventListener("hashchange", route);
    await pollTasks();
    setInterval(pollTasks, 4000);
    route();
  }

  main();
})();
