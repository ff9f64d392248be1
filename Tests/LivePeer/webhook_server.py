"""A loopback webhook receiver for risk's alerts: prints {"port": N} when listening, then one JSON
line per POST received: {"status": S, "body": <the JSON posted>}. The first --fail-first POSTs are
answered 500 (to see them retried), the rest 200."""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    received = {"count": 0}

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received["count"] += 1
            status = 500 if received["count"] <= args.fail_first else 200
            print(json.dumps({"status": status, "body": json.loads(body)}), flush=True)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
