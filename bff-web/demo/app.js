// The demo shop: a hash router and one screen per BFF endpoint. It shows what bff-web gives
// it (formatted prices, labels, breadcrumbs, page numbers, partial flags) and keeps no
// business logic: no prices computed, no stock rules, no session handling beyond echoing the
// CSRF token (api.js).
import * as api from "./api.js";
import { html } from "./html.js";

const app = document.getElementById("app");
const nav = document.getElementById("nav");
let flash = null; // {kind, text}: shown once on the next screen
let renderSeq = 0;

// ---------- helpers ----------

/** link turns a route the BFF gives ("/products/x", "/products?category=y") into a hash link. */
const link = (route) => "#" + (route || "/");

function go(route, message) {
  if (message) flash = message;
  if (location.hash === link(route)) route_();
  else location.hash = link(route);
}

const when = (iso, locale) => {
  if (!iso) return "";
  try {
    return new Intl.DateTimeFormat(locale || undefined, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
  } catch {
    return iso;
  }
};

const availability = { in_stock: "In stock", low_stock: "Only a few left", out_of_stock: "Out of stock" };

function hue(s) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

// The seed catalog's image URLs are on example.com, a reserved domain that serves nothing,
// so the demo draws a placeholder of the same intrinsic size instead of a broken image.
// Real image URLs render as a responsive <img> with the srcset and sizes the BFF gives.
function picture(img, label, cls = "") {
  let real = false;
  try {
    real = !/(^|\.)example\.(com|org|net)$/.test(new URL(img.src).hostname);
  } catch {
    real = false;
  }
  if (real) {
    return html`<img class="pic ${cls}" src="${img.src}" srcset="${img.srcset}" sizes="${img.sizes}" width="${img.width}" height="${img.height}" alt="${img.alt}" loading="lazy">`;
  }
  const initials = (label || img.alt || "?").split(/\s+/).slice(0, 2).map((w) => w[0]).join("").toUpperCase();
  const h = hue(img.alt || label || "");
  return html`<div class="pic placeholder ${cls}" role="img" aria-label="${img.alt}" style="aspect-ratio:${img.width || 1}/${img.height || 1};--h:${h}"><span>${initials}</span></div>`;
}

const stars = (rating, count) =>
  html`<span class="stars" title="${rating} out of 5">★ ${Number(rating).toFixed(1)}<span class="muted"> (${count})</span></span>`;

const card = (p) => html`
  <a class="card" href="${link(p.url)}" data-testid="product-card" data-slug="${p.slug}">
    ${picture(p.image, p.brand)}
    <span class="card-body">
      <span class="card-brand">${p.brand}</span>
      <span class="card-name">${p.name}</span>
      <span class="card-meta"><span class="price">${p.price.formatted}</span>${stars(p.rating, p.rating_count)}</span>
      <span class="avail avail-${p.availability}">${availability[p.availability] || p.availability}</span>
    </span>
  </a>`;

const grid = (items) => html`<div class="grid" data-testid="product-grid">${items.map(card)}</div>`;

const sectionNames = { recent_orders: "your recent orders", greeting: "your greeting", related: "related products", breadcrumbs: "breadcrumbs" };

/** The banner of a partial response: the BFF answered, but without some optional sections. */
function partialBanner(res) {
  if (!res.partial) return "";
  const names = (res.unavailable || []).map((n) => sectionNames[n] || n.replace(/_/g, " "));
  return html`<div class="banner warn" role="status" data-testid="partial-banner" data-unavailable="${(res.unavailable || []).join(",")}">
    <strong>Part of this page is unavailable right now:</strong> ${names.join(", ")}.
    Everything else is up to date; try again in a moment.
  </div>`;
}

function problemBox(err) {
  const fields = err.fields || [];
  return html`<div class="banner error" role="alert" data-testid="problem" data-code="${err.code}" data-status="${err.status}">
    <strong>${err.title}</strong>${err.detail && err.detail !== err.title ? html` ${err.detail}` : ""}
    ${fields.length > 0 && html`<ul>${fields.map((f) => html`<li><code>${f.field}</code> ${f.message}</li>`)}</ul>`}
    ${err.correlationId && html`<div class="small muted">Correlation ID <code data-testid="correlation-id">${err.correlationId}</code></div>`}
  </div>`;
}

function flashBox() {
  if (!flash) return "";
  const f = flash;
  flash = null;
  return html`<div class="banner ${f.kind}" role="status" data-testid="flash">${f.text}</div>`;
}

function setBusy(form, busy) {
  for (const el of form.querySelectorAll("button, input, select")) el.disabled = busy;
}

/** submitting wires a form: gathers its fields, calls fn, shows a problem in .form-error. */
function submitting(form, fn) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = form.querySelector(".form-error");
    const data = Object.fromEntries(new FormData(form).entries());
    setBusy(form, true);
    try {
      await fn(data);
    } catch (err) {
      if (!(err instanceof api.ApiError)) throw err;
      if (out) out.innerHTML = problemBox(err);
      setBusy(form, false);
    }
  });
}

// ---------- navigation bar ----------

function renderNav() {
  const u = api.user();
  nav.innerHTML = u
    ? html`<a href="#/products">Products</a>
        <a href="#/account" data-testid="nav-account">${u.name || u.email}</a>
        <button type="button" class="link" data-testid="signout">Sign out</button>`
    : html`<a href="#/products">Products</a>
        <a href="#/signin" data-testid="nav-signin">Sign in</a>
        <a href="#/signup" class="button small">Sign up</a>`;
  const out = nav.querySelector("[data-testid=signout]");
  if (out) {
    out.addEventListener("click", async () => {
      out.disabled = true;
      try {
        await api.logout();
        flash = { kind: "ok", text: "You are signed out." };
      } catch (err) {
        flash = { kind: "error", text: `Sign-out failed: ${err.message}` };
      }
      renderNav();
      go("/");
    });
  }
}

// ---------- screens ----------

async function homeScreen() {
  const h = await api.home();
  const cats = h.categories || [];
  return html`
    ${partialBanner(h)}
    ${h.greeting
      ? html`<section class="hero" data-testid="greeting"><h1>${h.greeting.message}</h1>
          <p class="muted">${h.greeting.tier ? html`<span class="badge">${h.greeting.tier}</span> member · ` : ""}<a href="#/account">Your account</a></p></section>`
      : h.signed_in
        ? html`<section class="hero"><h1>Welcome back!</h1></section>`
        : html`<section class="hero"><h1>Everything for work, home and the outdoors</h1>
            <p class="muted">A demo shop on <strong>bff-web</strong>. <a href="#/signin">Sign in</a> as <code>demo@example.com</code> / <code>Demo-Passw0rd!</code> to see your orders.</p></section>`}
    ${h.recent_orders && h.recent_orders.length > 0 && html`<section><h2>Your recent orders</h2>${ordersTable(h.recent_orders, h.locale)}</section>`}
    <section>
      <h2>Shop by category</h2>
      <div class="categories" data-testid="categories">
        ${cats.map((c) => html`<div class="cat"><a class="cat-top" href="${link(c.url)}">${c.name}</a>
          ${(c.children || []).map((s) => html`<a class="chip" href="${link(s.url)}">${s.name}</a>`)}</div>`)}
      </div>
    </section>
    <section>
      <h2>Featured</h2>
      ${grid(h.featured || [])}
    </section>`;
}

const gridKeys = ["category", "brand", "q", "sort", "min_price", "max_price", "in_stock", "page"];
const pageSize = 12;

function gridHref(query, changes) {
  const q = new URLSearchParams();
  for (const k of gridKeys) if (query.get(k)) q.set(k, query.get(k));
  if (!("page" in changes)) q.delete("page");
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return "#/products" + (s ? "?" + s : "");
}

function pager(query, page, total) {
  if (total <= 1) return "";
  const pages = [];
  for (let i = 1; i <= total; i++) {
    if (i === 1 || i === total || Math.abs(i - page) <= 2) pages.push(i);
    else if (pages[pages.length - 1] !== "…") pages.push("…");
  }
  return html`<nav class="pager" aria-label="Pages" data-testid="pager">
    ${page > 1 ? html`<a href="${gridHref(query, { page: page - 1 })}" rel="prev">‹ Prev</a>` : html`<span class="disabled">‹ Prev</span>`}
    ${pages.map((p) =>
      p === "…" ? html`<span class="gap">…</span>`
        : p === page ? html`<span class="current" aria-current="page">${p}</span>`
          : html`<a href="${gridHref(query, { page: p })}">${p}</a>`)}
    ${page < total ? html`<a href="${gridHref(query, { page: page + 1 })}" rel="next">Next ›</a>` : html`<span class="disabled">Next ›</span>`}
  </nav>`;
}

const sortLabels = { relevance: "Relevance", rating: "Top rated", price_asc: "Price: low to high", price_desc: "Price: high to low", newest: "Newest", name: "Name" };

async function gridScreen(_, query) {
  const q = new URLSearchParams();
  for (const k of gridKeys) if (query.get(k)) q.set(k, query.get(k));
  q.set("page_size", String(pageSize));
  const g = await api.products(q.toString());
  const f = g.facets;
  const facet = (title, key, values) =>
    values.length > 0 && html`<fieldset class="facet"><legend>${title}</legend>
      ${values.map((v) => html`<a class="facet-value ${v.selected ? "selected" : ""}" data-testid="facet-${key}" href="${gridHref(query, { [key]: v.selected ? null : v.value })}">
        <span>${v.label}</span><span class="count">${v.count}</span></a>`)}</fieldset>`;
  const anyFilter = gridKeys.some((k) => k !== "page" && k !== "sort" && query.get(k));
  return html`
    <div class="grid-head">
      <h1>${g.query.q ? html`Results for “${g.query.q}”` : "Products"}</h1>
      <p class="muted" data-testid="grid-total">${g.total} products · page ${g.page} of ${Math.max(g.total_pages, 1)}</p>
    </div>
    <div class="with-sidebar">
      <aside class="filters" data-testid="filters">
        <form id="grid-options" class="stack">
          <label>Sort
            <select name="sort">${Object.entries(sortLabels).map(([v, l]) => html`<option value="${v}" ${g.query.sort === v ? "selected" : ""}>${l}</option>`)}</select>
          </label>
          <label class="check"><input type="checkbox" name="in_stock" ${g.query.in_stock ? "checked" : ""}> In stock only</label>
        </form>
        ${facet("Category", "category", f.categories)}
        ${facet("Brand", "brand", f.brands)}
        ${f.price_bands.length > 0 && html`<fieldset class="facet"><legend>Price</legend>
          ${f.price_bands.map((b) => html`<a class="facet-value ${b.selected ? "selected" : ""}" data-testid="facet-price" href="${gridHref(query, b.selected ? { min_price: null, max_price: null } : { min_price: b.min, max_price: b.max ?? null })}">
            <span>${b.label}</span><span class="count">${b.count}</span></a>`)}</fieldset>`}
        ${anyFilter && html`<a class="button ghost small" href="#/products">Clear filters</a>`}
      </aside>
      <section>
        ${g.items.length > 0 ? grid(g.items) : html`<p class="empty">No products match these filters.</p>`}
        ${pager(query, g.page, g.total_pages)}
      </section>
    </div>`;
}

function afterGrid(_, query) {
  const form = document.getElementById("grid-options");
  if (!form) return;
  form.addEventListener("change", () => {
    location.hash = gridHref(query, { sort: form.sort.value === "relevance" ? null : form.sort.value, in_stock: form.in_stock.checked ? "true" : null });
  });
}

async function productScreen([slug]) {
  const p = await api.product(decodeURIComponent(slug));
  const signedIn = !!api.user();
  return html`
    ${partialBanner(p)}
    <nav class="crumbs" aria-label="Breadcrumbs" data-testid="breadcrumbs">
      ${p.breadcrumbs.map((c, i) => i === p.breadcrumbs.length - 1 ? html`<span aria-current="page">${c.name}</span>` : html`<a href="${link(c.url)}">${c.name}</a><span class="sep">›</span>`)}
    </nav>
    <article class="detail" data-testid="product-detail" data-product-id="${p.id}">
      ${picture(p.image, p.brand, "big")}
      <div class="stack">
        <div class="card-brand">${p.brand}</div>
        <h1>${p.name}</h1>
        <div>${stars(p.rating, p.rating_count)}</div>
        <div class="price big" data-testid="price">${p.price.formatted}</div>
        <div class="avail avail-${p.availability}" data-testid="stock">${p.stock_label}</div>
        <p>${p.description}</p>
        ${p.in_stock
          ? signedIn
            ? html`<form id="order-form" class="order-form" data-testid="order-form">
                <label>Quantity <input type="number" name="quantity" value="1" min="1" max="99" required></label>
                <label>Card <select name="payment_token" data-testid="payment-token">
                  ${testCards.map(([token, label]) => html`<option value="${token}">${label}</option>`)}
                </select></label>
                <p class="small muted">Test cards of the local card processor (the BFF never sees a card number).</p>
                <details id="ship-other"><summary>Ship to another address</summary>
                  <div class="address-fields">
                    <label>Name <input name="name" autocomplete="name"></label>
                    <label>Street <input name="line1" autocomplete="address-line1"></label>
                    <label>City <input name="city" autocomplete="address-level2"></label>
                    <label>Postal code <input name="postal_code" autocomplete="postal-code"></label>
                    <label>Country <input name="country" placeholder="DE" maxlength="2" autocomplete="country"></label>
                  </div>
                  <p class="small muted">Without one, the order ships to your default address.</p>
                </details>
                <button type="submit" class="button" data-testid="place-order">Place order</button>
                <div class="form-error"></div>
              </form>`
            : html`<p><a class="button" href="#/signin?next=${encodeURIComponent("/products/" + p.slug)}" data-testid="signin-to-order">Sign in to order</a></p>`
          : ""}
        ${p.attributes.length > 0 && html`<table class="attrs"><tbody>${p.attributes.map((a) => html`<tr><th>${a.name}</th><td>${a.value}</td></tr>`)}</tbody></table>`}
        <p class="small muted">SKU ${p.sku} · canonical URL <code data-testid="canonical">${p.canonical_url}</code></p>
      </div>
    </article>
    ${p.related.length > 0 && html`<section><h2>You may also like</h2>${grid(p.related)}</section>`}`;
}

function afterProduct() {
  const form = document.getElementById("order-form");
  if (!form) return;
  const detail = document.querySelector("[data-testid=product-detail]");
  // One Idempotency-Key per checkout attempt: sending the same form again (double-click,
  // retry after a network error) reuses it, so the BFF places one order; changing the form
  // makes a new attempt with a new key.
  let attempt = null;
  submitting(form, async (d) => {
    const body = { lines: [{ product_id: detail.dataset.productId, quantity: Number(d.quantity) }], payment_token: d.payment_token };
    if (document.getElementById("ship-other").open && (d.line1 || d.city)) {
      body.shipping_address = { name: d.name, line1: d.line1, city: d.city, postal_code: d.postal_code, country: d.country.toUpperCase() };
    }
    const json = JSON.stringify(body);
    if (!attempt || attempt.json !== json) attempt = { json, key: api.newIdempotencyKey() };
    form.dataset.idempotencyKey = attempt.key;
    try {
      const o = await api.placeOrder(body, attempt.key);
      go(o.url, { kind: "ok", text: "Thank you! Your order is placed; checkout is running." });
    } catch (err) {
      if (err instanceof api.ApiError && err.fields.some((f) => f.field.startsWith("shipping_address"))) {
        document.getElementById("ship-other").open = true;
      }
      throw err;
    }
  });
}

// Test card tokens of the fake card processor (BFF_PAYMENTS_PROVIDER=fake).
const testCards = [
  ["tok_visa", "Visa ···· 4242 (approves)"],
  ["tok_card_declined", "Declined card"],
  ["tok_insufficient_funds", "Card with insufficient funds"],
  ["tok_transient_2", "Flaky processor (2 errors, then approves)"],
  ["tok_slow", "Slow approval (1.5 s)"],
];

// Why checkout cancelled an order, in words.
const cancellationReasons = {
  payment_declined: "Your card was declined.",
  out_of_stock: "Not enough stock was left for your order.",
  checkout_failed: "Checkout failed; nothing was charged.",
  checkout_unavailable: "Checkout could not be started; nothing was charged.",
};

function ordersTable(items, locale) {
  return html`<table class="orders" data-testid="orders-table"><thead><tr><th>Order</th><th>Placed</th><th>Items</th><th>Total</th><th>Status</th></tr></thead>
    <tbody>${items.map((o) => html`<tr data-testid="order-row" data-order-id="${o.id}">
      <td><a href="${link(o.url)}">${o.id}</a></td><td>${when(o.placed_at, locale)}</td><td>${o.item_count}</td>
      <td>${o.total.formatted}</td><td><span class="status status-${o.status}">${o.status}</span></td></tr>`)}</tbody></table>`;
}

async function accountScreen() {
  const a = await api.account();
  const p = a.profile;
  return html`
    ${partialBanner(a)}
    <h1>Your account</h1>
    <div class="columns">
      <section class="panel" data-testid="profile">
        <h2>Profile</h2>
        <dl class="kv">
          <dt>Name</dt><dd data-testid="profile-name">${p.name || "—"}</dd>
          <dt>Email</dt><dd>${p.email}</dd>
          ${p.tier && html`<dt>Tier</dt><dd><span class="badge">${p.tier}</span></dd>`}
          ${p.member_since && html`<dt>Member since</dt><dd>${when(p.member_since, a.locale)}</dd>`}
        </dl>
      </section>
      <section class="panel">
        <h2>Addresses</h2>
        ${a.addresses.length > 0
          ? a.addresses.map((ad) => html`<address>${ad.default && html`<span class="badge">default</span> `}${ad.label && html`<strong>${ad.label}</strong><br>`}${ad.name}<br>${ad.line1}<br>${ad.line2 && html`${ad.line2}<br>`}${ad.postal_code} ${ad.city}, ${ad.country}</address>`)
          : html`<p class="muted">No address yet: give one when you order.</p>`}
      </section>
    </div>
    <section data-testid="account-orders">
      <h2>Recent orders</h2>
      <div class="orders-list">${a.recent_orders.length > 0 ? ordersTable(a.recent_orders, a.locale) : html`<p class="empty">No orders yet. <a href="#/products">Start shopping</a>.</p>`}</div>
      ${a.recent_orders.length > 0 && html`<p><button type="button" class="button ghost small" id="all-orders">Show all orders</button></p>`}
    </section>`;
}

function afterAccount() {
  const btn = document.getElementById("all-orders");
  if (!btn) return;
  const section = document.querySelector("[data-testid=account-orders]");
  const list = section.querySelector(".orders-list");
  const rows = [];
  let cursor = "";
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    try {
      const page = await api.orders(cursor);
      rows.push(...page.items);
      cursor = page.next_cursor || "";
      section.querySelector("h2").textContent = "All orders";
      list.innerHTML = ordersTable(rows, page.locale);
      btn.textContent = "Load more";
      btn.hidden = !cursor;
    } catch (err) {
      list.insertAdjacentHTML("beforeend", problemBox(err).toString());
    }
    btn.disabled = false;
  });
}

async function orderScreen([id]) {
  const o = await api.order(decodeURIComponent(id));
  const ad = o.shipping_address;
  return html`
    <nav class="crumbs"><a href="#/account">Your account</a><span class="sep">›</span><span>Order ${o.id}</span></nav>
    <article class="panel order" data-testid="order" data-order-id="${o.id}">
      <header class="order-head">
        <h1>Order <code>${o.id}</code></h1>
        <span class="status status-${o.status}" data-testid="order-status">${o.status}</span>
      </header>
      <p class="muted">Placed ${when(o.placed_at, null)} · ${o.item_count} item${o.item_count === 1 ? "" : "s"}</p>
      ${o.status === "pending" && o.payment_method && html`<p class="checkout-progress" data-testid="checkout-progress">Checking out: reserving stock, ${o.payment_method === "card" ? "authorizing your card, " : ""}confirming…</p>`}
      ${o.cancellation_reason && html`<p class="banner error" data-testid="cancellation-reason" data-reason="${o.cancellation_reason}">${cancellationReasons[o.cancellation_reason] || o.cancellation_reason}</p>`}
      <table class="lines"><thead><tr><th>Item</th><th>Qty</th><th>Unit price</th><th>Total</th></tr></thead>
        <tbody>${o.lines.map((l) => html`<tr><td>${l.name}<div class="small muted">${l.sku}</div></td><td>${l.quantity}</td><td>${l.unit_price.formatted}</td><td>${l.total.formatted}</td></tr>`)}</tbody>
        <tfoot>
          <tr><th colspan="3">Subtotal</th><td>${o.subtotal.formatted}</td></tr>
          <tr><th colspan="3">Shipping</th><td>${o.shipping.formatted}</td></tr>
          <tr class="grand"><th colspan="3">Total</th><td data-testid="order-total">${o.total.formatted}</td></tr>
        </tfoot>
      </table>
      <div class="columns">
        <div><h2>Ship to</h2><address>${ad.name}<br>${ad.line1}<br>${ad.line2 && html`${ad.line2}<br>`}${ad.postal_code} ${ad.city}, ${ad.country}</address></div>
        <div><h2>History</h2><ol class="history">${o.history.map((h) => html`<li><span class="status status-${h.status}">${h.status}</span> ${when(h.at, null)}</li>`)}</ol></div>
      </div>
      ${o.cancellable && html`<form id="cancel-form"><button type="submit" class="button danger" data-testid="cancel-order">Cancel order</button><div class="form-error"></div></form>`}
    </article>`;
}

function afterOrder([id]) {
  // While checkout runs, poll the order (revalidated: 304 until it changes) and show the
  // outcome as soon as it is there.
  if (document.querySelector("[data-testid=checkout-progress]")) {
    const route = document.body.dataset.route;
    setTimeout(async () => {
      if (document.body.dataset.route !== route) return; // navigated away
      try {
        const o = await api.order(decodeURIComponent(id));
        if (o.status !== "pending" && document.body.dataset.route === route) await route_();
        else afterOrder([id]);
      } catch {
        afterOrder([id]);
      }
    }, 400);
  }
  const form = document.getElementById("cancel-form");
  if (!form) return;
  submitting(form, async () => {
    await api.cancelOrder(decodeURIComponent(id));
    go("/account/orders/" + id, { kind: "ok", text: "Your order is cancelled." });
  });
}

function signinScreen(_, query) {
  return html`
    <section class="panel narrow">
      <h1>Sign in</h1>
      <form id="signin-form" class="stack" data-testid="signin-form">
        <label>Email <input type="email" name="email" autocomplete="username" required value="${query.get("email") || ""}"></label>
        <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
        <button type="submit" class="button">Sign in</button>
        <div class="form-error"></div>
      </form>
      <p class="small muted">Demo account: <code>demo@example.com</code> / <code>Demo-Passw0rd!</code> · New here? <a href="#/signup">Create an account</a></p>
    </section>`;
}

function afterSignin(_, query) {
  submitting(document.getElementById("signin-form"), async (d) => {
    const s = await api.login(d.email, d.password);
    renderNav();
    go(query.get("next") || "/", { kind: "ok", text: `Signed in as ${s.user.name || s.user.email}.` });
  });
}

function signupScreen() {
  return html`
    <section class="panel narrow">
      <h1>Create an account</h1>
      <form id="signup-form" class="stack" data-testid="signup-form">
        <label>Name <input name="name" autocomplete="name"></label>
        <label>Email <input type="email" name="email" autocomplete="email" required></label>
        <label>Password <input type="password" name="password" autocomplete="new-password" required></label>
        <p class="small muted">At least 8 characters with upper and lower case, a digit and a symbol.</p>
        <button type="submit" class="button">Sign up</button>
        <div class="form-error"></div>
      </form>
    </section>`;
}

function afterSignup() {
  submitting(document.getElementById("signup-form"), async (d) => {
    const r = await api.signup(d.email, d.password, d.name);
    if (r.confirmed) go("/signin?email=" + encodeURIComponent(d.email), { kind: "ok", text: "Account created: sign in." });
    else go("/confirm?email=" + encodeURIComponent(d.email) + "&to=" + encodeURIComponent(r.code_destination || ""));
  });
}

function confirmScreen(_, query) {
  const to = query.get("to");
  return html`
    <section class="panel narrow">
      <h1>Confirm your email</h1>
      <p>We sent a confirmation code${to ? html` to <strong>${to}</strong>` : ""}.
        <span class="small muted">(Locally the embedded identity provider's code is <code>123456</code>.)</span></p>
      <form id="confirm-form" class="stack" data-testid="confirm-form">
        <label>Email <input type="email" name="email" required value="${query.get("email") || ""}"></label>
        <label>Code <input name="code" inputmode="numeric" autocomplete="one-time-code" required></label>
        <button type="submit" class="button">Confirm</button>
        <div class="form-error"></div>
      </form>
    </section>`;
}

function afterConfirm() {
  submitting(document.getElementById("confirm-form"), async (d) => {
    await api.confirm(d.email, d.code);
    go("/signin?email=" + encodeURIComponent(d.email), { kind: "ok", text: "Email confirmed: sign in." });
  });
}

// ---------- router ----------

const routes = [
  [/^\/$/, homeScreen],
  [/^\/products$/, gridScreen, afterGrid],
  [/^\/products\/([^/]+)$/, productScreen, afterProduct],
  [/^\/signin$/, signinScreen, afterSignin],
  [/^\/signup$/, signupScreen, afterSignup],
  [/^\/confirm$/, confirmScreen, afterConfirm],
  [/^\/account$/, accountScreen, afterAccount],
  [/^\/account\/orders\/([^/]+)$/, orderScreen, afterOrder],
];

async function route_() {
  const seq = ++renderSeq;
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, qs = ""] = hash.split("?");
  const query = new URLSearchParams(qs);
  const found = routes.find(([re]) => re.test(path));
  document.body.dataset.route = path;
  delete document.body.dataset.ready;
  let view;
  let after = null;
  let params = [];
  if (!found) {
    view = html`<h1>Not found</h1><p>No screen at <code>${path}</code>. <a href="#/">Home</a></p>`;
  } else {
    params = found[0].exec(path).slice(1);
    after = found[2] || null;
    try {
      view = await found[1](params, query);
    } catch (err) {
      if (!(err instanceof api.ApiError)) throw err;
      if (err.status === 401) renderNav();
      view = html`${problemBox(err)}${err.status === 401 ? html`<p><a class="button" data-testid="signin-link" href="#/signin?next=${encodeURIComponent(path)}">Sign in</a></p>` : ""}`;
      after = null;
    }
  }
  if (seq !== renderSeq) return; // a newer navigation won
  app.innerHTML = html`${flashBox()}${view}`;
  if (after) after(params, query);
  const search = document.querySelector("#search input");
  if (path === "/products") search.value = query.get("q") || "";
  window.scrollTo(0, 0);
  document.title = (app.querySelector("h1")?.textContent?.trim() || "BFF Shop") + " · BFF Shop";
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
  document.body.dataset.ready = "true";
}

document.getElementById("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = new FormData(ev.target).get("q").toString().trim();
  location.hash = q ? "#/products?q=" + encodeURIComponent(q) : "#/products";
});

window.addEventListener("hashchange", route_);

async function boot() {
  document.getElementById("bff-url").textContent = api.baseURL;
  try {
    await api.session();
  } catch (err) {
    flash = { kind: "error", text: `${err.title}: ${err.detail}` };
  }
  renderNav();
  await route_();
}

boot();
