// A tiny HTML template helper: html`<p>${text}</p>` escapes every interpolated value unless it
// is itself the result of html`` (or raw()). Arrays are joined. null, undefined and false
// render nothing, so `${cond && html`…`}` works.

class Safe {
  constructor(s) {
    this.s = s;
  }
  toString() {
    return this.s;
  }
}

const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escape(v) {
  return String(v).replace(/[&<>"']/g, (c) => entities[c]);
}

function render(v) {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(render).join("");
  return escape(v);
}

export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Safe(out);
}

export const raw = (s) => new Safe(String(s));
