// Turns an attempt's protocol events into its transcript, plan, "now" line and usage,
// and a git diff into per-file collapsible blocks. Text goes in with textContent only.
"use strict";
(function () {
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmtDuration(ms) {
    if (ms === null || ms === undefined) return "";
    if (ms < 1000) return ms + " ms";
    const s = ms / 1000;
    if (s < 60) return s.toFixed(1) + " s";
    return Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  }

  function fmtTokens(n) {
    n = n || 0;
    return n >= 10000 ? (n / 1000).toFixed(1) + "k" : String(n);
  }

  const OUTPUT_CAP = 64000;

  // One attempt: apply(seq, event) once per seq; duplicates are ignored and counted.
  class Attempt {
    constructor(k, hooks) {
      this.k = k;
      this.hooks = hooks; // {approve(k, callId, decision, item)}
      this.seen = new Set();
      this.duplicates = 0;
      this.maxSeq = 0;
      this.items = new Map();
      this.pendingMd = new Set();
      this.now = "";
      this.usage = null;
      this.root = el("div", "transcript");
      this.planBox = el("ol", "plan");
      this.planBox.hidden = true;
      this.filesBox = el("ul", "files");
      this.files = new Map();
    }

    apply(seq, ev) {
      if (this.seen.has(seq)) { this.duplicates += 1; return false; }
      this.seen.add(seq);
      if (seq > this.maxSeq) this.maxSeq = seq;
      const fn = this["on_" + ev.type];
      if (fn) fn.call(this, ev, seq);
      return true;
    }

    block(cls, key) {
      const node = el("div", "ev " + cls);
      if (key) this.items.set(key, node);
      this.root.appendChild(node);
      return node;
    }

    note(text, cls) { this.block("note " + (cls || ""), null).textContent = text; }

    message(key, cls, label) {
      let item = this.items.get(key);
      if (!item) {
        item = this.block(cls, key);
        if (label) item.appendChild(el("div", "who", label));
        item.body = item.appendChild(el("div", "md"));
        item.raw = "";
      }
      return item;
    }

    renderMarkdownSoon(item) {
      this.pendingMd.add(item);
      if (this.pendingMd.size > 1) return;
      requestAnimationFrame(() => this.flushMarkdown());
    }

    flushMarkdown() {
      for (const item of this.pendingMd) item.body.replaceChildren(window.burroMarkdown(item.raw));
      this.pendingMd.clear();
    }

    on_user_message(ev) {
      const item = this.block("user");
      item.appendChild(el("div", "who", "You"));
      item.appendChild(el("div", "plain", ev.text));
    }

    on_agent_message_delta(ev) {
      const item = this.message("m:" + ev.item_id, "agent", "Agent");
      item.raw += ev.delta;
      this.renderMarkdownSoon(item);
      this.now = "Writing a reply";
    }

    on_agent_message(ev) {
      const item = this.message("m:" + ev.item_id, "agent", "Agent");
      item.raw = ev.text;
      this.renderMarkdownSoon(item);
    }

    reasoning(ev) {
      let item = this.items.get("r:" + ev.item_id);
      if (!item) {
        item = this.block("reasoning", "r:" + ev.item_id);
        const det = item.appendChild(el("details"));
        det.appendChild(el("summary", null, "Reasoning"));
        item.body = det.appendChild(el("div", "plain"));
      }
      return item;
    }

    on_reasoning_delta(ev) {
      this.reasoning(ev).body.textContent += ev.delta;
      this.now = "Thinking";
    }

    on_reasoning(ev) { this.reasoning(ev).body.textContent = ev.text; }

    command(callId, text) {
      let item = this.items.get("c:" + callId);
      if (!item) {
        item = this.block("cmd running", "c:" + callId);
        const det = item.appendChild(el("details"));
        det.open = true;
        const sum = det.appendChild(el("summary"));
        item.cmdEl = sum.appendChild(el("code", "cmdline", "$ " + (text || "")));
        item.state = sum.appendChild(el("span", "cmdstate", "running"));
        item.out = det.appendChild(el("pre", "out"));
      }
      return item;
    }

    on_exec_command_begin(ev) {
      this.command(ev.call_id, ev.command);
      this.now = "Running " + ev.command;
    }

    on_exec_command_output_delta(ev) {
      const out = this.command(ev.call_id).out;
      if (out.textContent.length < OUTPUT_CAP) out.textContent += ev.chunk;
    }

    on_exec_command_end(ev) {
      const item = this.command(ev.call_id, ev.command);
      item.cmdEl.textContent = "$ " + ev.command;
      if (!item.out.textContent && ev.aggregated_output) {
        item.out.textContent = ev.aggregated_output.slice(-OUTPUT_CAP);
      }
      // Fields at their default are left out of the JSON (omit_defaults).
      const status = ev.status || "completed";
      const ok = ev.exit_code === 0 && status === "completed";
      item.className = "ev cmd " + (ok ? "ok" : "bad");
      const code = ev.exit_code === null || ev.exit_code === undefined ? status : "exit " + ev.exit_code;
      item.state.textContent = code + " · " + fmtDuration(ev.duration_ms);
      if (ok && item.out.textContent.length > 2000) item.querySelector("details").open = false;
      this.now = "Ran " + ev.command;
    }

    on_tool_call_begin(ev) {
      this.command(ev.call_id, ev.tool + " " + ev.arguments);
      this.now = "Using " + ev.tool;
    }

    on_tool_call_end(ev) {
      const item = this.command(ev.call_id, ev.tool);
      item.out.textContent = String(ev.output || "").slice(-OUTPUT_CAP);
      const ok = ev.success !== false;
      item.className = "ev cmd " + (ok ? "ok" : "bad");
      item.state.textContent = (ok ? "ok" : "failed") + " · " + fmtDuration(ev.duration_ms);
    }

    changes(list, state) {
      for (const ch of list || []) {
        let li = this.files.get(ch.path);
        if (!li) {
          li = this.filesBox.appendChild(el("li"));
          this.files.set(ch.path, li);
        }
        li.textContent = ch.kind + " " + ch.path + (ch.move_path ? " → " + ch.move_path : "");
        li.className = "file " + ch.kind + " " + state;
      }
    }

    on_patch_apply_begin(ev) {
      const item = this.block("patch", "p:" + ev.call_id);
      item.appendChild(el("div", "who", "Editing files"));
      item.list = item.appendChild(el("ul", "files"));
      for (const ch of ev.changes || []) item.list.appendChild(el("li", "file " + ch.kind, ch.kind + " " + ch.path));
      this.changes(ev.changes, "pending");
      this.now = "Editing " + (ev.changes || []).map((c) => c.path).join(", ");
    }

    on_patch_apply_end(ev) {
      let item = this.items.get("p:" + ev.call_id);
      if (!item) { this.on_patch_apply_begin(ev); item = this.items.get("p:" + ev.call_id); }
      item.classList.add(ev.success ? "ok" : "bad");
      if (!ev.success) item.appendChild(el("pre", "out", ev.stderr || "patch failed"));
      this.changes(ev.changes, ev.success ? "applied" : "failed");
    }

    on_plan_update(ev) {
      this.planBox.replaceChildren();
      for (const step of ev.plan || []) {
        const li = this.planBox.appendChild(el("li", "step " + step.status));
        li.appendChild(el("span", "box", step.status === "completed" ? "☑" : step.status === "in_progress" ? "◐" : "☐"));
        li.appendChild(el("span", null, " " + step.step));
      }
      this.planBox.hidden = !(ev.plan || []).length;
      this.note("Plan updated" + (ev.explanation ? ": " + ev.explanation : ""), "plan-note");
    }

    approval(ev, kind, detail) {
      const item = this.block("approval", "a:" + ev.call_id);
      item.appendChild(el("div", "who", "Approval needed (" + kind + ")"));
      item.appendChild(el("pre", "out", detail));
      if (ev.reason) item.appendChild(el("div", "plain", ev.reason));
      const row = item.appendChild(el("div", "row"));
      const choices = [["approved", "Approve"], ["approved_for_session", "Approve for session"], ["denied", "Deny"]];
      for (const [decision, label] of choices) {
        const b = row.appendChild(el("button", decision === "denied" ? "danger" : "primary", label));
        b.type = "button";
        b.dataset.decision = decision;
        b.addEventListener("click", () => this.hooks.approve(this.k, ev.call_id, decision, item));
      }
      this.now = "Waiting for your approval";
    }

    on_exec_approval_request(ev) { this.approval(ev, "command", "$ " + ev.command); }

    on_patch_approval_request(ev) {
      this.approval(ev, "edit", (ev.changes || []).map((c) => c.kind + " " + c.path).join("\n"));
    }

    on_turn_started() { this.now = "Starting a turn"; }
    on_turn_complete() { this.now = "Done; send a follow-up to continue"; this.note("Turn complete", "turn-end"); }
    on_turn_failed(ev) {
      this.now = "Failed: " + ev.error.message;
      this.note("Turn failed: " + ev.error.code + ": " + ev.error.message, "bad");
    }
    on_turn_aborted(ev) {
      const reason = ev.reason || "interrupted";
      this.now = "Stopped (" + reason + ")";
      this.note("Turn stopped: " + reason, "bad");
    }
    on_token_count(ev) { this.usage = ev.session_total; }
    on_stream_retry(ev) { this.note("Retrying the model (" + ev.attempt + "/" + ev.max_attempts + "): " + ev.message); }
    on_warning(ev) { this.note("Warning: " + ev.message); }
    on_error(ev) { this.note("Error: " + ev.error.message, "bad"); }
    on_context_compacted() { this.note("Context compacted"); }
  }

  // A git diff -> one <details> per file with coloured, wrapping lines.
  function renderDiff(text) {
    const out = document.createDocumentFragment();
    if (!text.trim()) {
      out.appendChild(el("p", "muted", "No changes yet."));
      return out;
    }
    const files = text.split(/^(?=diff --git )/m).filter((s) => s.trim());
    for (const chunk of files) {
      const lines = chunk.replace(/\n$/, "").split("\n");
      const head = lines[0].match(/^diff --git a\/(.*) b\/(.*)$/);
      const name = head ? head[2] : lines[0];
      let add = 0, del = 0;
      const det = el("details", "difffile");
      det.open = true;
      const sum = det.appendChild(el("summary"));
      const body = det.appendChild(el("div", "diffbody"));
      let inHunk = false;
      for (const line of lines.slice(1)) {
        let cls = "ctx";
        if (line.startsWith("@@")) { cls = "hunk"; inHunk = true; }
        else if (!inHunk) cls = "meta";
        else if (line.startsWith("+")) { cls = "add"; add += 1; }
        else if (line.startsWith("-")) { cls = "del"; del += 1; }
        if (cls === "meta" && !/^(new|deleted|rename|similarity|Binary)/.test(line)) continue;
        body.appendChild(el("div", "dl " + cls, line || " "));
      }
      sum.appendChild(el("span", "fname", name));
      sum.appendChild(el("span", "adds", " +" + add));
      sum.appendChild(el("span", "dels", " −" + del));
      out.appendChild(det);
    }
    return out;
  }

  window.burroRender = { Attempt, renderDiff, el, fmtDuration, fmtTokens };
})();
