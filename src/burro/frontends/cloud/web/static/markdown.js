// A tiny, safe Markdown subset built with DOM nodes and textContent only: nothing the
// model writes is ever parsed as HTML. Blocks: fenced code, headings, lists, quotes,
// paragraphs. Inline: `code`, **bold**, *em*, [text](http(s) URL).
"use strict";
(function () {
  function el(tag, cls) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    return node;
  }

  const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s][^*\n]*\*)|(\[[^\]\n]+\]\((https?:\/\/[^)\s]+)\))/g;

  function inline(parent, text) {
    let last = 0;
    let m;
    INLINE.lastIndex = 0;
    while ((m = INLINE.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      const tok = m[0];
      let node;
      if (m[1]) { node = el("code"); node.textContent = tok.slice(1, -1); }
      else if (m[2]) { node = el("strong"); node.textContent = tok.slice(2, -2); }
      else if (m[3]) { node = el("em"); node.textContent = tok.slice(1, -1); }
      else {
        node = el("a");
        node.textContent = tok.slice(1, tok.indexOf("]("));
        node.href = m[5];
        node.rel = "noopener noreferrer nofollow";
        node.target = "_blank";
      }
      parent.appendChild(node);
      last = m.index + tok.length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function render(text) {
    const out = document.createDocumentFragment();
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    let para = [];
    let list = null;
    function flush() {
      if (para.length) {
        const p = el("p");
        inline(p, para.join("\n"));
        out.appendChild(p);
        para = [];
      }
      list = null;
    }
    while (i < lines.length) {
      const line = lines[i];
      const fence = line.match(/^\s*(```|~~~)\s*([\w+-]*)\s*$/);
      if (fence) {
        flush();
        const pre = el("pre", "code");
        const code = el("code");
        const body = [];
        i += 1;
        while (i < lines.length && !lines[i].trim().startsWith(fence[1])) { body.push(lines[i]); i += 1; }
        code.textContent = body.join("\n");
        if (fence[2]) code.dataset.lang = fence[2];
        pre.appendChild(code);
        out.appendChild(pre);
        i += 1;
        continue;
      }
      const heading = line.match(/^(#{1,6})\s+(.*)$/);
      const item = line.match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
      const quote = line.match(/^>\s?(.*)$/);
      if (heading) {
        flush();
        const h = el("h" + Math.min(6, heading[1].length + 2), "md-h");
        inline(h, heading[2]);
        out.appendChild(h);
      } else if (item) {
        if (para.length) flush();
        const ordered = /\d/.test(item[1]);
        if (!list || list.tagName !== (ordered ? "OL" : "UL")) {
          list = el(ordered ? "ol" : "ul");
          out.appendChild(list);
        }
        const li = el("li");
        const box = item[2].match(/^\[([ xX])\]\s+(.*)$/);
        if (box) {
          li.className = box[1] === " " ? "todo" : "todo done";
          inline(li, box[2]);
        } else {
          inline(li, item[2]);
        }
        list.appendChild(li);
      } else if (quote) {
        flush();
        const q = el("blockquote");
        inline(q, quote[1]);
        out.appendChild(q);
      } else if (!line.trim()) {
        flush();
      } else {
        list = null;
        para.push(line);
      }
      i += 1;
    }
    flush();
    return out;
  }

  window.burroMarkdown = render;
})();
