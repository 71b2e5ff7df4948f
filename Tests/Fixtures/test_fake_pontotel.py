#!/usr/bin/env python3
"""Self-test for fake_pontotel.py (stdlib unittest).

    python3 Tests/Fixtures/test_fake_pontotel.py -v

Generates a throwaway CA with scripts/make-test-ca.sh (in a temp dir), starts
the server over TLS and talks to it with http.client using that CA.
"""

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(HERE, "fake_pontotel.py")
MAKE_CA = os.path.join(ROOT, "scripts", "make-test-ca.sh")
BASE = "/pontotel/api/v4"


def start_server(certdir, plain=False):
    args = [sys.executable, SERVER, "--port", "0"]
    if plain:
        args.append("--plain-http")
    else:
        args += ["--cert", os.path.join(certdir, "server.pem"),
                 "--key", os.path.join(certdir, "server.key")]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode()
    assert line.startswith("PORT "), line
    return p, int(line.split()[1])


class Client:
    def __init__(self, port, ctx):
        self.port, self.ctx = port, ctx
        self.conn = None

    def _conn(self):
        if self.conn is None:
            if self.ctx is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            else:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                                        timeout=10)
        return self.conn

    def raw(self, method, path, body=None, token=None, headers=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c = self._conn()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            payload = r.read()
        except Exception:
            self.close()
            raise
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return r.status, dict(r.getheaders()), payload

    def call(self, method, path, body=None, token=None, headers=None):
        s, h, p = self.raw(method, path, body, token, headers)
        return s, h, (json.loads(p) if p else None)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def login(self, username="alice", password="s3cret-Pass"):
        s, _, b = self.call("POST", BASE + "/login/", {"username": username, "password": password})
        assert s == 200, (s, b)
        return b["access_token"]


class FakePontotelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run([MAKE_CA, cls.tmp.name], check=True)
        cls.proc, cls.port = start_server(cls.tmp.name)
        cls.ctx = ssl.create_default_context(cafile=os.path.join(cls.tmp.name, "ca.pem"))

    @classmethod
    def tearDownClass(cls):
        cls.proc.stdin.close()  # EOF on stdin makes the server exit
        cls.proc.wait(timeout=5)
        cls.proc.stdout.close()
        cls.tmp.cleanup()

    def setUp(self):
        self.c = Client(self.port, self.ctx)
        s, _, _ = self.c.call("POST", "/_control/reset")
        self.assertEqual(s, 200)

    def tearDown(self):
        self.c.close()

    def stats(self):
        return self.c.call("GET", "/_control/stats")[2]

    # ------------------------------------------------------------------

    def test_tls_rejects_untrusted_client_context(self):
        ctx = ssl.create_default_context()  # system CAs only
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            with self.assertRaises(ssl.SSLCertVerificationError):
                ctx.wrap_socket(s, server_hostname="127.0.0.1")
        # server survived the failed handshake
        self.assertEqual(self.c.call("GET", "/_control/stats")[0], 200)

    def test_login_and_auth(self):
        s, _, b = self.c.call("POST", BASE + "/login/", {"username": "alice", "password": "bad"})
        self.assertEqual((s, b["error"]), (401, "authentication_failed"))
        tok = self.c.login()
        s, _, b = self.c.call("GET", BASE + "/empregados/", token=tok)
        self.assertEqual(s, 200)
        s, h, b = self.c.call("GET", BASE + "/empregados/")
        self.assertEqual((s, b["error"]), (401, "authentication_failed"))
        s, _, b = self.c.call("GET", BASE + "/empregados/", token="garbage")
        self.assertEqual(s, 401)
        st = self.stats()
        self.assertEqual((st["logins"], st["failed_logins"]), (1, 1))
        self.assertEqual(st["requests"], 5)
        self.assertEqual([e["had_auth"] for e in st["log"]], [False, False, True, False, True])
        self.assertTrue(all(e["host"].startswith("127.0.0.1:") for e in st["log"]))
        self.assertEqual(st["log"][2]["status"], 200)

    def test_login_response_and_ttl(self):
        self.c.call("POST", "/_control/config", {"token_ttl": 0.3})
        s, _, b = self.c.call("POST", BASE + "/login/", {"username": "alice", "password": "s3cret-Pass"})
        self.assertEqual(b["token_type"], "Bearer")
        self.assertEqual(b["expires_in"], 0.3)
        self.assertEqual(self.c.call("GET", BASE + "/jornadas/", token=b["access_token"])[0], 200)
        time.sleep(0.4)
        s, _, e = self.c.call("GET", BASE + "/jornadas/", token=b["access_token"])
        self.assertEqual((s, e["error"]), (401, "authentication_failed"))
        self.c.call("POST", "/_control/config", {"omit_expires_in": True, "token_ttl": 60})
        b = self.c.call("POST", BASE + "/login/", {"username": "alice", "password": "s3cret-Pass"})[2]
        self.assertNotIn("expires_in", b)

    def test_expire_tokens_and_rotation(self):
        tok = self.c.login()
        self.c.call("POST", "/_control/expire_tokens")
        self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 401)
        self.c.call("POST", "/_control/users", {"username": "alice", "password": "new"})
        self.assertEqual(self.c.call("POST", BASE + "/login/",
                                     {"username": "alice", "password": "s3cret-Pass"})[0], 401)
        self.c.login("alice", "new")
        self.c.call("POST", "/_control/config", {"users": {"bob": "pw"}})
        self.c.login("bob", "pw")

    def test_paging_100k(self):
        t0 = time.time()
        s, _, b = self.c.call("POST", "/_control/seed", {"count": 100000, "empregador_id": 1})
        self.assertEqual((s, b["first_id"], b["last_id"]), (200, 1, 100000))
        tok = self.c.login()
        t1 = time.time()
        s, _, b = self.c.call("GET", BASE + "/empregados/?page_size=100&page=1000", token=tok)
        self.assertLess(time.time() - t1, 0.5)  # unfiltered paging is O(page_size)
        self.assertEqual(s, 200)
        s, _, b = self.c.call("GET", BASE + "/empregados/?page_size=100&page=1000&empregador_id=1",
                              token=tok)
        self.assertEqual(s, 200)
        self.assertEqual(b["count"], 100000)
        self.assertIsNone(b["next"])
        self.assertEqual([e["id"] for e in b["results"]], list(range(99901, 100001)))
        prev = urllib.parse.urlsplit(b["previous"])
        self.assertEqual(prev.scheme, "https")
        self.assertEqual(prev.netloc, "127.0.0.1:%d" % self.port)
        self.assertEqual(prev.path, BASE + "/empregados/")
        self.assertEqual(urllib.parse.parse_qs(prev.query),
                         {"page_size": ["100"], "page": ["999"], "empregador_id": ["1"]})
        # follow next links for a while; default page size is 20
        url, n = BASE + "/empregados/", 0
        while url and n < 50:
            s, _, b = self.c.call("GET", url, token=tok)
            self.assertEqual(len(b["results"]), 20)
            n += 1
            url = b["next"]
            if url:
                u = urllib.parse.urlsplit(url)
                url = u.path + "?" + u.query
        self.assertLess(time.time() - t0, 10)
        self.assertEqual(b["results"][-1]["id"], 1000)
        e = b["results"][0]
        self.assertIn("custom_fields", e)
        self.assertIn("created_at", e)
        self.assertEqual(self.c.call("GET", BASE + "/empregados/?page_size=101", token=tok)[0], 400)
        s, _, b = self.c.call("GET", BASE + "/empregados/?page=0", token=tok)
        self.assertEqual((s, b["error"]), (400, "validation_error"))
        self.assertEqual(self.c.call("GET", BASE + "/empregados/?page=99999", token=tok)[0], 404)

    def test_filters(self):
        self.c.call("POST", "/_control/seed", {"count": 50, "empregador_id": 1})
        self.c.call("POST", "/_control/seed", {"count": 10, "empregador_id": 2})
        tok = self.c.login()

        def ids(q):
            s, _, b = self.c.call("GET", BASE + "/empregados/?page_size=100&" + q, token=tok)
            self.assertEqual(s, 200, b)
            return [e["id"] for e in b["results"]]

        self.assertEqual(ids("empregador_id=2"), list(range(51, 61)))
        self.assertEqual(ids("is_active=false"), [10, 20, 30, 40, 50, 60])
        self.assertEqual(ids("is_active=false&empregador_id=1"), [10, 20, 30, 40, 50])
        self.assertEqual(ids("empregador_id=igual.2&id=menor-igual.53"), [51, 52, 53])
        self.assertEqual(ids("id=maior-igual.58"), [58, 59, 60])
        self.assertEqual(ids("id=em.(3,5,7)"), [3, 5, 7])
        self.assertEqual(len(ids("empregador_id=diferente.1")), 10)
        e7 = self.c.call("GET", BASE + "/empregados/7/", token=tok)[2]
        self.assertEqual(ids("cpf=" + e7["cpf"]), [7])
        self.assertEqual(ids("nome=" + urllib.parse.quote(e7["nome"])), [7])
        self.assertEqual(ids("nome=contem.000012"), [12])
        self.assertEqual(ids("unknown_field=1"), [])

    def test_create_conflict_update(self):
        tok = self.c.login()
        new = {"empregador_id": 1, "cpf": "12345678909", "nome": "Maria Silva",
               "email": "maria@example.com", "matricula": "001", "data_admissao": "2024-01-02"}
        s, h, b = self.c.call("POST", BASE + "/empregados/", new, token=tok)
        self.assertEqual(s, 201)
        self.assertTrue(b["is_active"])
        eid = b["id"]
        s, _, b = self.c.call("POST", BASE + "/empregados/", new, token=tok)
        self.assertEqual((s, b["error"], b["details"]), (409, "conflict", {"cpf": ["already exists"]}))
        s, _, b = self.c.call("POST", BASE + "/empregados/", dict(new, empregador_id=2), token=tok)
        self.assertEqual(s, 201)
        s, _, b = self.c.call("POST", BASE + "/empregados/", {"nome": "x"}, token=tok)
        self.assertEqual((s, b["error"]), (400, "validation_error"))
        self.assertEqual(set(b["details"]), {"cpf", "empregador_id"})
        s, _, b = self.c.call("PATCH", BASE + "/empregados/%d/" % eid, {"is_active": False}, token=tok)
        self.assertEqual((s, b["is_active"], b["nome"]), (200, False, "Maria Silva"))
        s, _, b = self.c.call("PUT", BASE + "/empregados/%d/" % eid,
                              {"empregador_id": 1, "cpf": "12345678909", "nome": "Maria S."},
                              token=tok)
        self.assertEqual((s, b["nome"], b["is_active"]), (200, "Maria S.", True))
        s, _, b = self.c.call("GET", BASE + "/empregados/999/", token=tok)
        self.assertEqual((s, b["error"]), (404, "not_found"))
        self.assertEqual(self.c.call("PATCH", BASE + "/empregados/999/", {"nome": "z"},
                                     token=tok)[0], 404)
        st = self.stats()
        self.assertEqual(st["creates"], 2)
        self.assertEqual(self.c.call("GET", "/_control/employees")[2]["count"], 2)
        # conflict against a seeded employee
        self.c.call("POST", "/_control/seed", {"count": 5})
        e = self.c.call("GET", BASE + "/empregados/4/", token=tok)[2]
        s, _, b = self.c.call("POST", BASE + "/empregados/",
                              {"empregador_id": 1, "cpf": e["cpf"], "nome": "dup"}, token=tok)
        self.assertEqual(s, 409)

    def test_generic_resources(self):
        tok = self.c.login()
        for res in ("empregadores", "locais-trabalho", "jornadas"):
            s, _, b = self.c.call("GET", BASE + "/%s/" % res, token=tok)
            self.assertEqual(s, 200)
            self.assertGreaterEqual(b["count"], 1)
            self.assertIn("results", b)

    def test_rate_limit(self):
        self.c.call("POST", "/_control/config", {"rate_limit": {"limit": 3, "window": 2}})
        s, h, _ = self.c.call("POST", BASE + "/login/", {"username": "alice", "password": "s3cret-Pass"})
        self.assertEqual(s, 200)
        self.assertEqual(h["X-RateLimit-Limit"], "3")
        self.assertEqual(h["X-RateLimit-Remaining"], "2")
        reset = int(h["X-RateLimit-Reset"])
        self.assertTrue(time.time() <= reset <= time.time() + 3)
        self.c.call("GET", BASE + "/jornadas/")
        self.c.call("GET", BASE + "/jornadas/")
        s, h, b = self.c.call("GET", BASE + "/jornadas/")
        self.assertEqual((s, b["error"]), (429, "rate_limit_exceeded"))
        self.assertEqual(h["X-RateLimit-Remaining"], "0")
        self.assertIn(h["Retry-After"], ("1", "2"))
        self.assertEqual(self.stats()["rate_limited"], 1)
        # control API is never limited
        self.assertEqual(self.c.call("GET", "/_control/stats")[0], 200)
        time.sleep(int(h["Retry-After"]) + 0.05)
        self.assertEqual(self.c.call("GET", BASE + "/jornadas/")[0], 401)
        # sub-second windows use decimal strings
        self.c.call("POST", "/_control/config", {"rate_limit": {"limit": 1, "window": 0.5}})
        self.c.call("GET", BASE + "/jornadas/")
        s, h, _ = self.c.call("GET", BASE + "/jornadas/")
        self.assertEqual(s, 429)
        self.assertRegex(h["Retry-After"], r"^0\.\d{3}$")
        self.assertRegex(h["X-RateLimit-Reset"], r"^\d+\.\d{3}$")
        self.c.call("POST", "/_control/config", {"rate_limit": None})
        s, h, _ = self.c.call("GET", BASE + "/jornadas/")
        self.assertNotIn("X-RateLimit-Limit", h)

    def test_fault_status_and_prefix(self):
        tok = self.c.login()
        self.c.call("POST", "/_control/fault", {"kind": "status", "status": 503, "count": 2,
                                                "path_prefix": BASE + "/empregados"})
        self.assertEqual(self.c.call("GET", BASE + "/jornadas/", token=tok)[0], 200)
        self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 503)
        self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 503)
        self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 200)
        self.c.call("POST", "/_control/fault", {"kind": "status", "status": 500, "count": 1,
                                                "headers": {"Retry-After": "0"}})
        s, h, b = self.c.call("GET", BASE + "/empregados/", token=tok)
        self.assertEqual((s, h["Retry-After"]), (500, "0"))

    def test_fault_drop(self):
        tok = self.c.login()
        self.c.call("POST", "/_control/fault", {"kind": "drop", "count": 1})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
            self.c.call("GET", BASE + "/empregados/", token=tok)
        self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 200)
        log = self.stats()["log"]
        self.assertTrue(log[-2].get("dropped"))
        self.assertIsNone(log[-2]["status"])

    def test_fault_malformed(self):
        tok = self.c.login()
        self.c.call("POST", "/_control/fault", {"kind": "malformed", "count": 1})
        s, h, p = self.c.raw("GET", BASE + "/empregados/", token=tok)
        self.assertEqual(s, 200)
        self.assertTrue(h["Content-Type"].startswith("application/json"))
        with self.assertRaises(ValueError):
            json.loads(p)
        self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 200)

    def test_fault_redirect_and_plain_http(self):
        p, port = start_server(None, plain=True)
        try:
            plain = Client(port, None)
            s, _, b = plain.call("POST", BASE + "/login/", {"username": "alice", "password": "s3cret-Pass"})
            self.assertEqual(s, 200)
            target = "http://127.0.0.1:%d%s/empregados/" % (port, BASE)
            self.c.call("POST", "/_control/fault", {"kind": "redirect", "location": target,
                                                    "count": 1, "path_prefix": BASE + "/empregados"})
            tok = self.c.login()
            s, h, _ = self.c.call("GET", BASE + "/empregados/", token=tok)
            self.assertEqual((s, h["Location"]), (302, target))
            self.assertEqual(self.c.call("GET", BASE + "/empregados/", token=tok)[0], 200)
            # a client that (wrongly) followed would show up on the plain server
            self.assertEqual(plain.call("GET", "/_control/stats")[2]["requests"], 1)
            plain.close()
        finally:
            p.stdin.close()
            p.wait(timeout=5)
            p.stdout.close()

    def test_latency_and_delay(self):
        self.c.call("POST", "/_control/config", {"latency_ms": 200})
        t = time.time()
        self.c.call("GET", BASE + "/jornadas/")
        self.assertGreaterEqual(time.time() - t, 0.2)
        self.c.call("POST", "/_control/config", {"latency_ms": 0})
        self.c.call("POST", "/_control/fault", {"kind": "delay", "ms": 300, "count": 1})
        t = time.time()
        self.c.call("GET", BASE + "/jornadas/")
        self.assertGreaterEqual(time.time() - t, 0.3)

    def test_keep_alive(self):
        tok = self.c.login()
        conn = self.c._conn()
        sock = conn.sock
        for _ in range(5):
            self.assertEqual(self.c.call("GET", BASE + "/jornadas/", token=tok)[0], 200)
        self.assertIs(self.c.conn.sock, sock)

    def test_exit_on_stdin_eof(self):
        p, port = start_server(self.tmp.name)
        p.stdin.close()
        self.assertEqual(p.wait(timeout=5), 0)
        p.stdout.close()


if __name__ == "__main__":
    unittest.main()
