"""A local HTTP server speaking Konnect's payment endpoints (init-payment, payment lookup)."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeKonnect:
    def __init__(self, api_key="test-key"):
        self.api_key = api_key
        self.payments = {}  # paymentRef → {"amount", "status", "body"}
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = json.loads(
                    self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"
                )
                fake.requests.append(("POST", self.path, body, self.headers.get("x-api-key")))
                if self.headers.get("x-api-key") != fake.api_key:
                    return self._send(401, {"errors": [{"message": "invalid api key"}]})
                if self.path != "/api/v2/payments/init-payment":
                    return self._send(404, {})
                ref = uuid.uuid4().hex[:24]
                fake.payments[ref] = {"amount": body["amount"], "status": "pending", "body": body}
                return self._send(
                    200,
                    {
                        "payUrl": f"https://gateway.sandbox.konnect.network/pay?payment_ref={ref}",
                        "paymentRef": ref,
                    },
                )

            def do_GET(self):  # noqa: N802
                fake.requests.append(("GET", self.path, None, self.headers.get("x-api-key")))
                prefix = "/api/v2/payments/"
                ref = self.path[len(prefix) :] if self.path.startswith(prefix) else ""
                if ref not in fake.payments:
                    return self._send(404, {"errors": [{"message": "payment not found"}]})
                entry = fake.payments[ref]
                return self._send(
                    200,
                    {
                        "payment": {
                            "id": ref,
                            "status": entry["status"],
                            "amount": entry["amount"],
                            "token": "TND",
                        }
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def complete(self, ref, amount=None, status="completed"):
        self.payments[ref]["status"] = status
        if amount is not None:
            self.payments[ref]["amount"] = amount
