"""
Settings of the minimal Django project that serves django-oauth-toolkit 1.7 (Debian
`python3-django-oauth-toolkit`) to the interop tests. Everything comes from the environment
that `serve.py` sets up: a temporary SQLite file, the RSA key generated at start, the app's
origin (CORS) and where logout returns.
"""
import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))

SECRET_KEY = os.environ["DOT_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "corsheaders",
    "oauth2_provider",
]

MIDDLEWARE = [
    # django-cors-headers first, so that its headers are on every answer (redirects included).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "pkce_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(BASE_DIR, "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["DOT_DATABASE"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
STATIC_URL = "/static/"

# Django's own login and logout views (django.contrib.auth.urls under /accounts/).
LOGIN_URL = "/accounts/login/"
# django-oauth-toolkit 1.7 has no RP-initiated logout: the element is pointed at
# /accounts/logout/ (end-session-endpoint), which ends the Django session and returns here.
LOGOUT_REDIRECT_URL = os.environ["DOT_LOGOUT_REDIRECT_URL"]

# The app's origin may call discovery, token, userinfo and revocation from the page.
CORS_ALLOWED_ORIGINS = [os.environ["DOT_APP_ORIGIN"]]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["DOT_RSA_PRIVATE_KEY"],
    "PKCE_REQUIRED": True,
    # 1.7 answers invalid_scope to a scope it does not list: offline_access must be one of them
    # for refresh="on" (the element's default), which asks for it.
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name",
        "email": "Your e-mail address",
        "offline_access": "Stay signed in",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("DOT_ACCESS_TOKEN_TTL", "36000")),
    "OAUTH2_VALIDATOR_CLASS": "pkce_site.validators.ClaimsValidator",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
