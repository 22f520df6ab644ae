from django.urls import path

from apps.accounts.views import MeView, ObtainTokenView

urlpatterns = [
    path("token/", ObtainTokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="auth-me"),
]
