#!/usr/bin/env python3
"""Fake Pontotel API (v4) server for pontotel-swift tests.

Standard library only.  Serves HTTP/1.1 (keep-alive, always Content-Length)
over real TLS (or plain HTTP with --plain-http) and exposes a JSON control API
under /_control/ for configuring users, tokens, rate limits, fault injection
and for reading request statistics.  See Tests/Fixtures/README.md.

    python3 Tests/Fixtures/fake_pontotel.py --cert server.pem --key server.key \
        [--port 0] [--host 127.0.0.1] [--plain-http] [--verbose] [--watch auto|on|off]

Prints exactly one line ``PORT <n>`` on stdout once listening, then serves
until SIGTERM/SIGINT, until stdin reaches EOF (when stdin is a pipe/socket) or
until its parent process dies (see --watch).
"""

import argparse
import bisect
import copy
import datetime as _dt
import json
import math
import os
import secrets
import signal
import socket
import ssl
import stat
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_BASE = "/pontotel/api/v4"
CONTROL_BASE = "/_control"

DEFAULT_USERS = {"alice": "s3cret-Pass"}
DEFAULT_TOKEN_TTL = 3600.0
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_LOG_ENTRIES = 200_000

EPOCH_BASE = _dt.datetime(2020, 1, 1, tzinfo=_dt.timezone.utc)
DATE_BASE = _dt.date(2015, 1, 1)

GENERIC_RESOURCES = ("empregadores", "locais-trabalho", "jornadas")


def default_generic():
    return {
        "empregadores": [
            {"id": 1, "razao_social": "Empresa Exemplo LTDA", "nome_fantasia": "Exemplo",
             "cnpj": "11222333000181", "is_active": True, "created_at": "2020-01-01T00:00:00Z",
             "custom_fields": {}},
            {"id": 2, "razao_social": "Outra Empresa S.A.", "nome_fantasia": "Outra",
             "cnpj": "11444777000161", "is_active": True, "created_at": "2020-01-02T00:00:00Z",
             "custom_fields": {}},
        ],
        "locais-trabalho": [
            {"id": 1, "empregador_id": 1, "nome": "Matriz", "endereco": "Av. Paulista, 1000",
             "cidade": "São Paulo", "uf": "SP", "latitude": -23.5614, "longitude": -46.6559,
             "raio_metros": 100, "is_active": True},
            {"id": 2, "empregador_id": 1, "nome": "Filial Campinas", "endereco": "Rua Barão, 10",
             "cidade": "Campinas", "uf": "SP", "latitude": -22.9056, "longitude": -47.0608,
             "raio_metros": 150, "is_active": True},
        ],
        "jornadas": [
            {"id": 1, "empregador_id": 1, "nome": "Comercial 44h", "carga_horaria_semanal": 44,
             "tolerancia_minutos": 10, "is_active": True},
            {"id": 2, "empregador_id": 1, "nome": "12x36", "carga_horaria_semanal": 42,
             "tolerancia_minutos": 5, "is_active": True},
        ],
    }


# --------------------------------------------------------------------------
# Employees: seeded ranges are generated lazily; created/modified ones are
# stored as dicts.  IDs are contiguous (no DELETE), so the k-th employee in id
# order is id k+1 and an unfiltered page is O(page_size).
# --------------------------------------------------------------------------

def cpf_for_id(i):
    base = "%09d" % (100_000_000 + i)
    digits = [int(c) for c in base]
    s = sum(d * w for d, w in zip(digits, range(10, 1, -1)))
    d1 = 0 if s % 11 < 2 else 11 - s % 11
    digits.append(d1)
    s = sum(d * w for d, w in zip(digits, range(11, 1, -1)))
    d2 = 0 if s % 11 < 2 else 11 - s % 11
    return base + str(d1) + str(d2)


def iso(ts_offset_seconds):
    return (EPOCH_BASE + _dt.timedelta(seconds=ts_offset_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_iso():
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Employees:
    def __init__(self):
        self.next_id = 1
        self.seg_starts = []   # first id of each seeded segment (sorted)
        self.segs = []         # (first_id, count, empregador_id)
        self.custom = {}       # id -> dict (created or modified)
        self.custom_index = {}  # (cpf, empregador_id) -> id, for custom entries

    def count(self):
        return self.next_id - 1

    def _segment_of(self, i):
        k = bisect.bisect_right(self.seg_starts, i) - 1
        if k < 0:
            return None
        first, count, emp = self.segs[k]
        if first <= i < first + count:
            return self.segs[k]
        return None

    @staticmethod
    def generate(i, empregador_id):
        created = iso(i * 60)
        return {
            "id": i,
            "empregador_id": empregador_id,
            "cpf": cpf_for_id(i),
            "nome": "Empregado %06d" % i,
            "email": "empregado%d@example.com" % i,
            "matricula": "M%06d" % i,
            "is_active": i % 10 != 0,
            "data_admissao": (DATE_BASE + _dt.timedelta(days=i % 3650)).isoformat(),
            "pis": None,
            "local_trabalho_id": 1,
            "jornada_id": 1,
            "created_at": created,
            "updated_at": created,
            "custom_fields": {},
        }

    def get(self, i):
        """Returns the stored/generated dict (do not mutate generated ones)."""
        if not isinstance(i, int) or i < 1 or i >= self.next_id:
            return None
        e = self.custom.get(i)
        if e is not None:
            return e
        seg = self._segment_of(i)
        if seg is None:
            return None
        return self.generate(i, seg[2])

    def seed(self, count, empregador_id):
        first = self.next_id
        if count > 0:
            self.seg_starts.append(first)
            self.segs.append((first, count, empregador_id))
            self.next_id += count
        return first, self.next_id - 1

    def find(self, cpf, empregador_id, exclude_id=None):
        j = self.custom_index.get((cpf, empregador_id))
        if j is not None and j != exclude_id:
            return j
        if isinstance(cpf, str) and len(cpf) == 11 and cpf.isdigit():
            cand = int(cpf[:9]) - 100_000_000
            if cand >= 1 and cand != exclude_id and cand not in self.custom:
                seg = self._segment_of(cand)
                if seg is not None and seg[2] == empregador_id and cpf_for_id(cand) == cpf:
                    return cand
        return None

    def put(self, e):
        """Stores a full employee dict (id assigned when absent)."""
        i = e.get("id")
        if i is None:
            i = self.next_id
            self.next_id += 1
            e["id"] = i
        old = self.custom.get(i)
        if old is not None:
            self.custom_index.pop((old.get("cpf"), old.get("empregador_id")), None)
        self.custom[i] = e
        self.custom_index[(e.get("cpf"), e.get("empregador_id"))] = i
        return e

    def iterate(self):
        for i in range(1, self.next_id):
            e = self.get(i)
            if e is not None:
                yield e

    def ids_with_cpf(self, cpf):
        """Sorted ids whose cpf equals cpf (fast path for cpf filters)."""
        ids = {i for (c, _), i in self.custom_index.items() if c == cpf}
        ids = {i for i in ids if self.custom.get(i, {}).get("cpf") == cpf}
        if len(cpf) == 11 and cpf.isdigit():
            cand = int(cpf[:9]) - 100_000_000
            if cand >= 1 and cand not in self.custom and self._segment_of(cand) is not None \
                    and cpf_for_id(cand) == cpf:
                ids.add(cand)
        return sorted(ids)

    def iterate_lazy(self):
        """Yields (id, mapping) where generated records are LazyEmployee views
        that compute single fields on demand (fast filtering)."""
        custom = self.custom
        for first, count, emp in self.segs:
            for i in range(first, first + count):
                e = custom.get(i)
                yield i, (e if e is not None else LazyEmployee(i, emp))
        seeded_end = [(f, f + c) for f, c, _ in self.segs]
        for i in sorted(custom):
            if not any(a <= i < b for a, b in seeded_end):
                yield i, custom[i]


class LazyEmployee:
    __slots__ = ("i", "emp")
    _FIELDS = {
        "id": lambda i, emp: i,
        "empregador_id": lambda i, emp: emp,
        "cpf": lambda i, emp: cpf_for_id(i),
        "nome": lambda i, emp: "Empregado %06d" % i,
        "email": lambda i, emp: "empregado%d@example.com" % i,
        "matricula": lambda i, emp: "M%06d" % i,
        "is_active": lambda i, emp: i % 10 != 0,
        "data_admissao": lambda i, emp: (DATE_BASE + _dt.timedelta(days=i % 3650)).isoformat(),
        "created_at": lambda i, emp: iso(i * 60),
        "updated_at": lambda i, emp: iso(i * 60),
    }

    def __init__(self, i, emp):
        self.i, self.emp = i, emp

    def _full(self):
        return Employees.generate(self.i, self.emp)

    def __contains__(self, k):
        return k in self._FIELDS or k in self._full()

    def __getitem__(self, k):
        f = self._FIELDS.get(k)
        return f(self.i, self.emp) if f is not None else self._full()[k]


# --------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------

def _num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            try:
                f = float(v)
                if math.isfinite(f):
                    return f
            except ValueError:
                pass
    return None


def _eq(field_value, text):
    if isinstance(field_value, bool):
        t = text.lower()
        if t in ("true", "1"):
            return field_value is True
        if t in ("false", "0"):
            return field_value is False
        return False
    if field_value is None:
        return text.lower() in ("null", "none", "")
    if isinstance(field_value, (dict, list)):
        return False
    a, b = _num(field_value), _num(text)
    if a is not None and b is not None and not isinstance(field_value, str):
        return a == b
    return str(field_value) == text


def _cmp(field_value, text):
    """Returns -1/0/1 comparing field_value to text, or None if incomparable."""
    if field_value is None or isinstance(field_value, (bool, dict, list)):
        return None
    a, b = _num(field_value), _num(text)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    s = str(field_value)
    return (s > text) - (s < text)


def _split_list(text):
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        t = t[1:-1]
    return [x.strip() for x in t.split(",")] if t else []


def make_predicate(field, raw):
    """Pontotel operator syntax: campo=igual.V | diferente.V | em.(a,b) |
    maior-igual.V | menor-igual.V | maior.V | menor.V | contem.V ; else exact."""
    for prefix in ("maior-igual.", "menor-igual.", "diferente.", "igual.", "maior.", "menor.",
                   "contem.", "em."):
        if raw.startswith(prefix):
            op, val = prefix[:-1], raw[len(prefix):]
            break
    else:
        op, val = "igual", raw

    def pred(e):
        if field not in e:
            return False
        v = e[field]
        if op == "igual":
            return _eq(v, val)
        if op == "diferente":
            return not _eq(v, val)
        if op == "em":
            return any(_eq(v, x) for x in _split_list(val))
        if op == "contem":
            return v is not None and val.lower() in str(v).lower()
        c = _cmp(v, val)
        if c is None:
            return False
        return {"maior-igual": c >= 0, "menor-igual": c <= 0, "maior": c > 0, "menor": c < 0}[op]
    pred.field, pred.op, pred.val = field, op, val
    return pred


# --------------------------------------------------------------------------
# Server state
# --------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status, error, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.details, self.headers = details, headers or {}

    def body(self):
        b = {"error": self.error, "message": self.message}
        if self.details is not None:
            b["details"] = self.details
        return b


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.users = dict(DEFAULT_USERS)
        self.token_ttl = DEFAULT_TOKEN_TTL
        self.omit_expires_in = False
        self.rate_limit = None          # (limit, window) or None
        self.rl_window_start = None
        self.rl_count = 0
        self.latency_ms = 0.0
        self.tokens = {}                # token -> expiry (time.monotonic())
        self.faults = []                # list of dicts with "remaining"
        self.employees = Employees()
        self.generic = default_generic()
        self.reset_stats()

    def reset_stats(self):
        self.stats = {"logins": 0, "failed_logins": 0, "requests": 0, "creates": 0,
                      "rate_limited": 0}
        self.log = []

    def config_json(self):
        return {
            "users": sorted(self.users),
            "token_ttl": self.token_ttl,
            "omit_expires_in": self.omit_expires_in,
            "rate_limit": None if self.rate_limit is None else
            {"limit": self.rate_limit[0], "window": self.rate_limit[1]},
            "latency_ms": self.latency_ms,
        }


STATE = State()
VERBOSE = False


def vlog(msg):
    if VERBOSE:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()


def _fmt_epoch(x, integral):
    return str(int(math.ceil(x))) if integral else "%.3f" % x


class DropConnection(Exception):
    pass


# --------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakePontotel/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 120  # idle keep-alive connections

    # ---- plumbing -------------------------------------------------------

    def log_message(self, fmt, *args):
        vlog("%s - %s" % (self.address_string(), fmt % args))

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body, headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif body is None:
            data = b""
        else:
            data = body
        self.send_response(status)
        if data or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.wfile.flush()

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise DropConnection()

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_HEAD(self):
        self._handle()

    def do_OPTIONS(self):
        self._handle()

    # ---- main dispatch --------------------------------------------------

    def _handle(self):
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, parsed.query
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return self._send(400, {"error": "bad_request", "message": "Bad request body"})
        if path == CONTROL_BASE or path.startswith(CONTROL_BASE + "/"):
            try:
                status, resp = self._control(path[len(CONTROL_BASE):].strip("/"), query, body)
            except ApiError as e:
                status, resp = e.status, e.body()
            except Exception as e:  # noqa: BLE001
                status, resp = 500, {"error": "control_error", "message": repr(e)}
            return self._send(status, resp)
        try:
            self._api(path, query, body)
        except DropConnection:
            return

    def _api(self, path, query, body):
        st = STATE
        entry = {
            "method": self.command,
            "path": path,
            "query": query,
            "had_auth": self.headers.get("Authorization") is not None,
            "host": self.headers.get("Host"),
            "content_type": self.headers.get("Content-Type"),
            "status": None,
            "timestamp": time.time(),
        }
        rl_headers = {}
        with st.lock:
            st.stats["requests"] += 1
            if len(st.log) >= MAX_LOG_ENTRIES:
                del st.log[: MAX_LOG_ENTRIES // 10]
            st.log.append(entry)
            latency = st.latency_ms / 1000.0
            # rate limiting (fixed window starting at the first request of the window)
            limited = None
            if st.rate_limit is not None:
                limit, window = st.rate_limit
                now_m, now_w = time.monotonic(), time.time()
                if st.rl_window_start is None or now_m >= st.rl_window_start + window:
                    st.rl_window_start = now_m
                    st.rl_count = 0
                st.rl_count += 1
                remaining_s = st.rl_window_start + window - now_m
                integral = window >= 1
                rl_headers = {
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": str(max(0, limit - st.rl_count)),
                    "X-RateLimit-Reset": _fmt_epoch(now_w + remaining_s, integral),
                }
                if st.rl_count > limit:
                    st.stats["rate_limited"] += 1
                    if integral:
                        ra = str(max(1, int(math.ceil(remaining_s))))
                    else:
                        ra = "%.3f" % max(0.001, remaining_s)
                    limited = ra
            # fault injection (first matching active fault fires, consumed once)
            fault = None
            if limited is None:
                for f in st.faults:
                    if f["remaining"] <= 0:
                        continue
                    if not path.startswith(f.get("path_prefix") or ""):
                        continue
                    if f.get("method") and f["method"].upper() != self.command:
                        continue
                    f["remaining"] -= 1
                    fault = dict(f)
                    break
                st.faults = [f for f in st.faults if f["remaining"] > 0]
        if latency > 0:
            time.sleep(latency)

        def finish(status, resp, headers=None, content_type="application/json"):
            entry["status"] = status
            h = dict(rl_headers)
            h.update(headers or {})
            self._send(status, resp, h, content_type)

        if limited is not None:
            return finish(429, {"error": "rate_limit_exceeded",
                                "message": "Rate limit exceeded. Try again later."},
                          {"Retry-After": limited})
        if fault is not None:
            kind = fault["kind"]
            entry["fault"] = kind
            if kind == "delay":
                time.sleep(float(fault.get("ms", 0)) / 1000.0)
            elif kind == "drop":
                entry["dropped"] = True
                return self._drop()
            elif kind == "status":
                s = int(fault.get("status", 500))
                b = fault.get("body")
                if b is None:
                    b = {"error": "server_error" if s >= 500 else "error",
                         "message": "Injected fault (HTTP %d)" % s}
                return finish(s, b, fault.get("headers"))
            elif kind == "malformed":
                b = fault.get("body") or '{"count": 1, "next": null, "results": [{"id": 1, "nome": "tru'
                return finish(int(fault.get("status", 200)), b, fault.get("headers"))
            elif kind == "redirect":
                h = {"Location": fault["location"]}
                h.update(fault.get("headers") or {})
                return finish(int(fault.get("status", 302)), {"detail": "redirect"}, h)

        try:
            status, resp, headers = self._route(path, query, body)
        except ApiError as e:
            status, resp, headers = e.status, e.body(), e.headers
        except Exception as e:  # noqa: BLE001
            status, resp, headers = 500, {"error": "server_error", "message": repr(e)}, {}
        finish(status, resp, headers)

    # ---- API routes -----------------------------------------------------

    def _route(self, path, query, body):
        if not (path == API_BASE or path.startswith(API_BASE + "/")):
            raise ApiError(404, "not_found", "Not found.")
        parts = [p for p in path[len(API_BASE):].split("/") if p]
        if parts == ["login"]:
            if self.command != "POST":
                raise ApiError(405, "method_not_allowed",
                               'Method "%s" not allowed.' % self.command, headers={"Allow": "POST"})
            return self._login(body)
        self._require_auth()
        if not parts:
            raise ApiError(404, "not_found", "Not found.")
        res = parts[0]
        if res == "empregados":
            if len(parts) == 1:
                if self.command == "GET":
                    return self._list_employees(path, query)
                if self.command == "POST":
                    return self._create_employee(body)
                raise ApiError(405, "method_not_allowed",
                               'Method "%s" not allowed.' % self.command, headers={"Allow": "GET, POST"})
            if len(parts) == 2:
                eid = _parse_id(parts[1])
                if self.command == "GET":
                    with STATE.lock:
                        e = STATE.employees.get(eid) if eid is not None else None
                        e = copy.deepcopy(e)
                    if e is None:
                        raise ApiError(404, "not_found", "Empregado não encontrado.")
                    return 200, e, {}
                if self.command in ("PUT", "PATCH"):
                    return self._update_employee(eid, body, partial=self.command == "PATCH")
                raise ApiError(405, "method_not_allowed",
                               'Method "%s" not allowed.' % self.command,
                               headers={"Allow": "GET, PUT, PATCH"})
        elif res in GENERIC_RESOURCES:
            if len(parts) == 1 and self.command == "GET":
                with STATE.lock:
                    items = copy.deepcopy(STATE.generic[res])
                return self._paginate(path, query, items)
            if len(parts) == 2 and self.command == "GET":
                rid = _parse_id(parts[1])
                with STATE.lock:
                    for it in STATE.generic[res]:
                        if it.get("id") == rid:
                            return 200, copy.deepcopy(it), {}
                raise ApiError(404, "not_found", "Não encontrado.")
            if len(parts) <= 2:
                raise ApiError(405, "method_not_allowed", 'Method "%s" not allowed.' % self.command)
        raise ApiError(404, "not_found", "Not found.")

    def _login(self, body):
        data = _parse_json_object(body)
        details = {}
        for k in ("username", "password"):
            if not isinstance(data.get(k), str) or data.get(k) == "":
                details[k] = ["This field is required."]
        st = STATE
        if details:
            with st.lock:
                st.stats["failed_logins"] += 1
            raise ApiError(400, "validation_error", "Invalid input.", details)
        with st.lock:
            pw = st.users.get(data["username"])
            if pw is None or not secrets.compare_digest(pw.encode(), data["password"].encode()):
                st.stats["failed_logins"] += 1
                raise ApiError(401, "authentication_failed", "Invalid credentials")
            st.stats["logins"] += 1
            token = secrets.token_urlsafe(32)
            ttl = st.token_ttl
            st.tokens[token] = time.monotonic() + ttl
            resp = {"access_token": token, "token_type": "Bearer"}
            if not st.omit_expires_in:
                resp["expires_in"] = int(ttl) if float(ttl).is_integer() else ttl
        return 200, resp, {"Cache-Control": "no-store"}

    def _require_auth(self):
        h = self.headers.get("Authorization")
        hdrs = {"WWW-Authenticate": 'Bearer realm="pontotel"'}
        if h is None:
            raise ApiError(401, "authentication_failed",
                           "Authentication credentials were not provided.", headers=hdrs)
        scheme, _, token = h.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "authentication_failed", "Invalid authorization header.", headers=hdrs)
        with STATE.lock:
            exp = STATE.tokens.get(token)
            if exp is None:
                raise ApiError(401, "authentication_failed", "Invalid token.", headers=hdrs)
            if time.monotonic() >= exp:
                STATE.tokens.pop(token, None)
                raise ApiError(401, "authentication_failed", "Token expired.", headers=hdrs)

    def _page_params(self, pairs):
        details = {}
        page, page_size = 1, DEFAULT_PAGE_SIZE
        filters = []
        for k, v in pairs:
            if k == "page":
                try:
                    page = int(v)
                    if page < 1:
                        raise ValueError
                except ValueError:
                    details["page"] = ["A valid integer >= 1 is required."]
            elif k == "page_size":
                try:
                    page_size = int(v)
                    if page_size < 1:
                        raise ValueError
                    if page_size > MAX_PAGE_SIZE:
                        details["page_size"] = ["Ensure this value is less than or equal to %d."
                                                % MAX_PAGE_SIZE]
                except ValueError:
                    details["page_size"] = ["A valid integer >= 1 is required."]
            else:
                filters.append(make_predicate(k, v))
        if details:
            raise ApiError(400, "validation_error", "Invalid query parameters.", details)
        return page, page_size, filters

    def _page_url(self, path, pairs, page):
        scheme = "http" if self.server.plain_http else "https"
        host = self.headers.get("Host") or "%s:%d" % (self.server.server_address[0],
                                                      self.server.server_address[1])
        out, seen = [], False
        for k, v in pairs:
            if k == "page":
                if not seen:
                    out.append(("page", str(page)))
                    seen = True
            else:
                out.append((k, v))
        if not seen:
            out.append(("page", str(page)))
        return "%s://%s%s?%s" % (scheme, host, path, urllib.parse.urlencode(out))

    def _page_response(self, path, pairs, page, page_size, count, results):
        last = max(1, (count + page_size - 1) // page_size)
        if page > last:
            raise ApiError(404, "not_found", "Invalid page.")
        return 200, {
            "count": count,
            "next": self._page_url(path, pairs, page + 1) if page < last else None,
            "previous": self._page_url(path, pairs, page - 1) if page > 1 else None,
            "results": results,
        }, {}

    def _paginate(self, path, query, items):
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        page, page_size, filters = self._page_params(pairs)
        items = [it for it in items if all(f(it) for f in filters)]
        start = (page - 1) * page_size
        return self._page_response(path, pairs, page, page_size, len(items),
                                   items[start:start + page_size])

    def _list_employees(self, path, query):
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        page, page_size, filters = self._page_params(pairs)
        start = (page - 1) * page_size
        with STATE.lock:
            emps = STATE.employees
            if not filters:
                count = emps.count()
                results = []
                for i in range(start + 1, min(start + page_size, count) + 1):
                    e = emps.get(i)
                    if e is not None:
                        results.append(copy.deepcopy(e))
            else:
                count, results = 0, []
                cpf_eq = [f.val for f in filters if f.field == "cpf" and f.op == "igual"]
                if cpf_eq:
                    source = ((i, emps.get(i)) for i in emps.ids_with_cpf(cpf_eq[0]))
                else:
                    source = emps.iterate_lazy()
                for i, e in source:
                    if all(f(e) for f in filters):
                        if start <= count < start + page_size:
                            results.append(copy.deepcopy(emps.get(i)))
                        count += 1
        return self._page_response(path, pairs, page, page_size, count, results)

    def _validate_employee(self, data, partial):
        details = {}
        required = ("empregador_id", "cpf", "nome")
        if not partial:
            for k in required:
                if data.get(k) in (None, ""):
                    details[k] = ["This field is required."]
        if "empregador_id" in data and "empregador_id" not in details:
            v = data["empregador_id"]
            if isinstance(v, bool) or not isinstance(v, int):
                details["empregador_id"] = ["A valid integer is required."]
        if "cpf" in data and "cpf" not in details:
            v = data["cpf"]
            if not isinstance(v, str) or not (len(v) == 11 and v.isdigit()):
                details["cpf"] = ["Enter a valid CPF (11 digits)."]
        if "nome" in data and "nome" not in details:
            if not isinstance(data["nome"], str) or not data["nome"].strip():
                details["nome"] = ["This field may not be blank."]
        if "is_active" in data and not isinstance(data["is_active"], bool):
            details["is_active"] = ["Must be a valid boolean."]
        for k in ("email", "matricula", "data_admissao"):
            if k in data and data[k] is not None and not isinstance(data[k], str):
                details[k] = ["Not a valid string."]
        if details:
            raise ApiError(400, "validation_error", "Invalid input.", details)

    def _create_employee(self, body):
        data = _parse_json_object(body)
        data.pop("id", None)
        self._validate_employee(data, partial=False)
        with STATE.lock:
            emps = STATE.employees
            if emps.find(data["cpf"], data["empregador_id"]) is not None:
                raise ApiError(409, "conflict",
                               "Empregado com este CPF já existe para este empregador.",
                               {"cpf": ["already exists"]})
            ts = now_iso()
            e = {"id": None, "empregador_id": data["empregador_id"], "cpf": data["cpf"],
                 "nome": data["nome"], "email": None, "matricula": None, "is_active": True,
                 "data_admissao": None, "pis": None, "local_trabalho_id": None,
                 "jornada_id": None}
            e.update(data)
            e["created_at"] = ts
            e["updated_at"] = ts
            e.setdefault("custom_fields", {})
            emps.put(e)
            STATE.stats["creates"] += 1
            e = copy.deepcopy(e)
        return 201, e, {"Location": "%s/empregados/%d/" % (API_BASE, e["id"])}

    def _update_employee(self, eid, body, partial):
        data = _parse_json_object(body)
        data.pop("id", None)
        for k in ("created_at", "updated_at"):
            data.pop(k, None)
        self._validate_employee(data, partial=partial)
        with STATE.lock:
            emps = STATE.employees
            cur = emps.get(eid) if eid is not None else None
            if cur is None:
                raise ApiError(404, "not_found", "Empregado não encontrado.")
            if partial:
                new = copy.deepcopy(cur)
                new.update(data)
            else:
                new = {"id": eid, "email": None, "matricula": None, "is_active": True,
                       "data_admissao": None, "pis": None, "local_trabalho_id": None,
                       "jornada_id": None, "custom_fields": {}}
                new.update(data)
                new["created_at"] = cur.get("created_at")
            new["id"] = eid
            new["updated_at"] = now_iso()
            if emps.find(new["cpf"], new["empregador_id"], exclude_id=eid) is not None:
                raise ApiError(409, "conflict",
                               "Empregado com este CPF já existe para este empregador.",
                               {"cpf": ["already exists"]})
            emps.put(new)
            new = copy.deepcopy(new)
        return 200, new, {}

    # ---- control API ----------------------------------------------------

    def _control(self, name, query, body):
        st = STATE
        m = self.command
        data = _parse_json_object(body) if body.strip() else {}
        if name == "reset" and m == "POST":
            with st.lock:
                st.reset()
            return 200, {"ok": True}
        if name == "config":
            with st.lock:
                if m == "POST":
                    if "users" in data:
                        if not isinstance(data["users"], dict):
                            raise ApiError(400, "validation_error", "users must be an object")
                        for u, p in data["users"].items():
                            if p is None:
                                st.users.pop(u, None)
                            else:
                                st.users[u] = str(p)
                    if "replace_users" in data:
                        st.users = {u: str(p) for u, p in data["replace_users"].items()}
                    if "token_ttl" in data:
                        st.token_ttl = float(data["token_ttl"])
                    if "omit_expires_in" in data:
                        st.omit_expires_in = bool(data["omit_expires_in"])
                    if "latency_ms" in data:
                        st.latency_ms = float(data["latency_ms"] or 0)
                    if "rate_limit" in data:
                        rl = data["rate_limit"]
                        if rl is None:
                            st.rate_limit = None
                        else:
                            limit, window = int(rl["limit"]), float(rl.get("window", 1))
                            if limit < 0 or window <= 0:
                                raise ApiError(400, "validation_error", "bad rate_limit")
                            st.rate_limit = (limit, window)
                        st.rl_window_start, st.rl_count = None, 0
                elif m != "GET":
                    raise ApiError(405, "method_not_allowed", "GET or POST")
                return 200, st.config_json()
        if name == "seed" and m == "POST":
            with st.lock:
                out = {}
                if "count" in data:
                    first, last = st.employees.seed(int(data["count"]),
                                                    int(data.get("empregador_id", 1)))
                    out.update({"first_id": first, "last_id": last})
                if "employees" in data:
                    ids = []
                    for e in data["employees"]:
                        e = dict(e)
                        e.pop("id", None)
                        ts = now_iso()
                        e.setdefault("is_active", True)
                        e.setdefault("created_at", ts)
                        e.setdefault("updated_at", ts)
                        e.setdefault("custom_fields", {})
                        ids.append(st.employees.put(e)["id"])
                    out["ids"] = ids
                if "resource" in data:
                    res = data["resource"]
                    if res not in GENERIC_RESOURCES:
                        raise ApiError(400, "validation_error", "unknown resource")
                    if data.get("replace"):
                        st.generic[res] = []
                    for it in data.get("items", []):
                        it = dict(it)
                        if "id" not in it:
                            it["id"] = max([x["id"] for x in st.generic[res]] + [0]) + 1
                        st.generic[res].append(it)
                    out[res] = len(st.generic[res])
                out["total"] = st.employees.count()
                return 200, out
        if name == "fault":
            with st.lock:
                if m == "POST":
                    kind = data.get("kind")
                    if kind == "clear":
                        st.faults = []
                    else:
                        if kind not in ("status", "drop", "malformed", "redirect", "delay"):
                            raise ApiError(400, "validation_error", "unknown fault kind")
                        if kind == "redirect" and not data.get("location"):
                            raise ApiError(400, "validation_error", "redirect needs location")
                        f = dict(data)
                        f["remaining"] = int(data.get("count", 1))
                        f.setdefault("path_prefix", "")
                        st.faults.append(f)
                elif m == "DELETE":
                    st.faults = []
                elif m != "GET":
                    raise ApiError(405, "method_not_allowed", "GET, POST or DELETE")
                return 200, {"faults": copy.deepcopy(st.faults)}
        if name == "expire_tokens" and m == "POST":
            with st.lock:
                n = len(st.tokens)
                st.tokens.clear()
            return 200, {"expired": n}
        if name == "stats":
            with st.lock:
                if m == "DELETE":
                    st.reset_stats()
                out = dict(st.stats)
                q = urllib.parse.parse_qs(query)
                if q.get("log", ["1"])[0] not in ("0", "false"):
                    out["log"] = [dict(x) for x in st.log]
                now = time.monotonic()
                out["active_tokens"] = sum(1 for e in st.tokens.values() if e > now)
                out["pending_faults"] = sum(f["remaining"] for f in st.faults)
            return 200, out
        if name == "users" and m == "POST":
            u = data.get("username")
            if not isinstance(u, str):
                raise ApiError(400, "validation_error", "username required")
            with st.lock:
                if data.get("password") is None:
                    st.users.pop(u, None)
                else:
                    st.users[u] = str(data["password"])
                if data.get("revoke_tokens"):
                    st.tokens.clear()
            return 200, {"users": sorted(st.users)}
        if name == "employees" and m == "GET":
            with st.lock:
                return 200, {"count": st.employees.count(),
                             "results": [copy.deepcopy(e) for e in st.employees.iterate()]}
        raise ApiError(404, "not_found", "Unknown control endpoint %s %s" % (m, name))


def _parse_id(s):
    try:
        i = int(s)
        return i if i > 0 else None
    except ValueError:
        return None


def _parse_json_object(body):
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "validation_error", "Malformed JSON body.",
                       {"non_field_errors": ["JSON parse error"]})
    if not isinstance(data, dict):
        raise ApiError(400, "validation_error", "Expected a JSON object.",
                       {"non_field_errors": ["Expected a JSON object"]})
    return data


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------

class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    plain_http = False
    ssl_context = None

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # Handshake happens lazily in the handler thread (not in accept loop).
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        if VERBOSE:
            super().handle_error(request, client_address)


def _start_watchers(mode):
    def exit_now():
        try:
            sys.stdout.flush()
        finally:
            os._exit(0)

    watch_stdin = False
    if mode == "on":
        watch_stdin = True
    elif mode == "auto":
        try:
            m = os.fstat(0).st_mode
            watch_stdin = stat.S_ISFIFO(m) or stat.S_ISSOCK(m)
        except OSError:
            watch_stdin = False
    if watch_stdin:
        def stdin_reader():
            try:
                while os.read(0, 65536):
                    pass
            except OSError:
                pass
            vlog("stdin EOF; exiting")
            exit_now()
        threading.Thread(target=stdin_reader, daemon=True).start()
    if mode != "off":
        ppid = os.getppid()

        def parent_watch():
            while True:
                time.sleep(0.5)
                if os.getppid() != ppid:
                    vlog("parent died; exiting")
                    exit_now()
        threading.Thread(target=parent_watch, daemon=True).start()


def main(argv=None):
    global VERBOSE
    ap = argparse.ArgumentParser(description="Fake Pontotel API v4 server for tests")
    ap.add_argument("--cert", help="server certificate (PEM)")
    ap.add_argument("--key", help="server private key (PEM)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--plain-http", action="store_true", help="serve plain HTTP (no TLS)")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    ap.add_argument("--watch", choices=("auto", "on", "off"), default="auto",
                    help="exit on stdin EOF (auto: only if stdin is a pipe/socket) "
                         "and when the parent process dies (auto/on); off: neither")
    args = ap.parse_args(argv)
    VERBOSE = args.verbose

    if not args.plain_http and not (args.cert and args.key):
        ap.error("--cert and --key are required unless --plain-http")

    if ":" in args.host:
        Server.address_family = socket.AF_INET6
    httpd = Server((args.host, args.port), Handler)
    httpd.plain_http = args.plain_http
    if not args.plain_http:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.cert, args.key)
        ctx.set_alpn_protocols(["http/1.1"])
        httpd.ssl_context = ctx

    def on_term(signum, frame):
        os._exit(0)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    port = httpd.server_address[1]
    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()
    _start_watchers(args.watch)
    httpd.serve_forever(poll_interval=0.25)


if __name__ == "__main__":
    main()
