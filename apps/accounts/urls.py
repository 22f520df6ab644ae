from django.urls import path

from apps.accounts.views import MeView, ObtainTokenView, RevokeTokenView

urlpatterns = [
    path("token/", ObtainTokenView.as_view(), name="auth-token"),
    path("token/revoke/", RevokeTokenView.as_view(), name="auth-token-revoke"),
    path("me/", MeView.as_view(), name="auth-me"),
]
