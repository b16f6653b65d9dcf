"""
Starts django-oauth-toolkit (Debian's python3-django-oauth-toolkit 1.7 on Django 3.2) for the
interop tests, from scratch, on a loopback port picked at run time:

1. an RSA key for ID token signatures is generated;
2. the Django project next to this file is configured from the JSON in the environment variable
   DOT_CONFIG (see below) with a new SQLite database in its `data_dir`, and migrated;
3. the users and the public clients (PKCE required) are created;
4. a threaded WSGI server listens on 127.0.0.1, port 0, and prints one JSON line on stdout,
   `{"port": <port>}`, once it accepts connections. SIGTERM or SIGINT stops it.

DOT_CONFIG:
  {"data_dir": "/tmp/...", "app_origin": "http://localhost:1234",
   "logout_redirect_url": "http://localhost:1234/page.html", "access_token_ttl": 36000,
   "users": [{"username": "...", "password": "...", "first_name": "...", "last_name": "...",
              "email": "..."}],
   "clients": [{"client_id": "...", "name": "...", "redirect_uris": ["..."],
                "skip_authorization": false}]}
"""
import json
import os
import secrets
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    config = json.loads(os.environ["DOT_CONFIG"])

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    os.environ["DOT_RSA_PRIVATE_KEY"] = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    os.environ["DOT_SECRET_KEY"] = secrets.token_urlsafe(48)
    os.environ["DOT_DATABASE"] = os.path.join(config["data_dir"], "db.sqlite3")
    os.environ["DOT_APP_ORIGIN"] = config["app_origin"]
    os.environ["DOT_LOGOUT_REDIRECT_URL"] = config["logout_redirect_url"]
    os.environ["DOT_ACCESS_TOKEN_TTL"] = str(config.get("access_token_ttl", 36000))
    os.environ["DJANGO_SETTINGS_MODULE"] = "pkce_site.settings"
    sys.path.insert(0, HERE)

    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0, interactive=False)

    User = get_user_model()
    for spec in config.get("users", []):
        User.objects.create_user(
            username=spec["username"],
            password=spec["password"],
            first_name=spec.get("first_name", ""),
            last_name=spec.get("last_name", ""),
            email=spec.get("email", ""),
        )

    Application = get_application_model()
    for spec in config.get("clients", []):
        Application.objects.create(
            client_id=spec["client_id"],
            name=spec.get("name", spec["client_id"]),
            client_type=Application.CLIENT_PUBLIC,
            client_secret="",
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(spec["redirect_uris"]),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=bool(spec.get("skip_authorization", False)),
        )

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the signature is the base class's
            if os.environ.get("DOT_ACCESS_LOG"):
                super().log_message(format, *args)

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, ipv6=False)
    server.daemon_threads = True
    server.set_app(WSGIHandler())

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
