// Talking to this server: requests with the API key, the key itself, the server's messages.

const KEY_STORE = 'cutflow.api-key';

export const $ = (id) => document.getElementById(id);

let key = sessionStorage.getItem(KEY_STORE) || '';
let keyRequired = false; // until /v1/ui-config says otherwise
const waiters = [];
const keyListeners = [];

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (key) {
    h['X-API-Key'] = key;
  }
  return h;
}

export async function api(path, options) {
  const o = Object.assign({}, options || {});
  o.headers = headers(o.headers);
  const res = await fetch(path, o);
  if (res.status === 401) {
    askKey('The API key was refused; enter it again.');
  }
  return res;
}

// The server's own message ({"error", "message"}), else the status line.
export async function errorText(res) {
  try {
    const body = await res.json();
    if (body && body.message) {
      return body.message;
    }
  } catch (e) {
    // not JSON: a proxy's page
  }
  return 'HTTP ' + res.status + ' ' + res.statusText;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ------------------------------------------------------------------ API key

function askKey(message) {
  key = '';
  sessionStorage.removeItem(KEY_STORE);
  $('key-message').textContent = message;
  $('key-form').hidden = false;
  $('api-key').focus();
}

// From /v1/ui-config: whether requests need a key; asks for it if none is kept.
export function requireKey(required) {
  keyRequired = required;
  if (required && !key) {
    askKey('This server needs an API key. It is kept in this tab only and sent as the X-API-Key header.');
  }
}

// Resolves once requests can carry what the server needs.
export function keyReady() {
  if (!keyRequired || key) {
    return Promise.resolve();
  }
  return new Promise((resolve) => waiters.push(resolve));
}

// fn runs each time a key is given.
export function onKeyGiven(fn) {
  keyListeners.push(fn);
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  key = $('api-key').value.trim();
  if (!key) {
    return;
  }
  sessionStorage.setItem(KEY_STORE, key);
  $('api-key').value = '';
  $('key-form').hidden = true;
  waiters.splice(0).forEach((w) => w());
  keyListeners.forEach((fn) => fn());
});
