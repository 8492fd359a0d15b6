#!/usr/bin/env python3
"""The crash torture's hub (installer/torture.sh): serves one archive at every path below /torture/
and another below /move/, on 127.0.0.1, the first at a limited rate so that a kill can land in the
middle of a download. Writes its port to PORT_FILE, runs until killed.
usage: torture_server.py ARCHIVE MOVE_ARCHIVE BYTES_PER_SECOND PORT_FILE"""
import http.server, sys, time

archive_path, move_path, rate, port_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(archive_path, 'rb') as f:
    archive = f.read()
with open(move_path, 'rb') as f:
    move_archive = f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def body(self):
        path = self.path.split('?')[0]
        if path.startswith('/torture/'):
            return archive, rate
        if path.startswith('/move/'):
            return move_archive, 0
        return None, 0

    def head(self, data):
        self.send_response(200)
        self.send_header('Content-Type', 'application/x-gzip')
        self.send_header('Content-Length', str(len(data)))
        self.send_header('Connection', 'close')
        self.end_headers()

    def do_HEAD(self):
        data, _ = self.body()
        if data is None:
            self.send_error(404)
        else:
            self.head(data)

    def do_GET(self):
        data, limit = self.body()
        if data is None:
            return self.send_error(404)
        self.head(data)
        chunk = 64 * 1024
        start = time.monotonic()
        try:
            for offset in range(0, len(data), chunk):
                self.wfile.write(data[offset:offset + chunk])
                if limit:
                    ahead = (offset + chunk) / limit - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            pass


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
