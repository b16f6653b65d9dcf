from django.urls import include, path

urlpatterns = [
    # django-oauth-toolkit's endpoints, as its documentation mounts them: the issuer is <origin>/o
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    # Django's login (the page the authorization endpoint sends a signed-out user to) and logout.
    path("accounts/", include("django.contrib.auth.urls")),
]
