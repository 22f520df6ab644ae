from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from apps.accounts.forms import ThrottledAdminAuthenticationForm
from apps.accounts.models import AccessToken, Team, User
from apps.core.audit import record
from apps.core.models import AuditAction


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active", "is_superuser"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Analytics access", {"fields": ["role", "team"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Analytics access", {"fields": ["role", "team"]}),
    ]


# The admin's login goes through the same throttle and audit as the API's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by logging in; here they are only seen and revoked."""

    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        ids = list(queryset.active().values_list("pk", flat=True))
        count = AccessToken.objects.filter(pk__in=ids).revoke()
        record(request, AuditAction.TOKEN_REVOKED, 200, object_ids=ids)
        self.message_user(request, f"{count} token(s) revoked.")
