"""django-oauth-toolkit 1.7 puts only `sub` in the ID token and userinfo: add the user's name and
e-mail address (the standard claims of the `profile` and `email` scopes)."""
from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {
            "name": user.get_full_name() or user.get_username(),
            "preferred_username": user.get_username(),
            "email": user.email,
        }
