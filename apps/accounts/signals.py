"""A password change revokes every API token of the user."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from apps.accounts.models import User
from apps.accounts.tokens import revoke_user_tokens


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance, update_fields=None, **kwargs):
    instance._password_changed = False
    if instance.pk is None or (
        update_fields is not None and "password" not in update_fields
    ):
        return
    # Django re-hashes a password on login when its hasher is upgraded: it saves
    # only `password` with the raw one cleared. The password is the same then.
    if update_fields == frozenset({"password"}) and instance._password is None:
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True)
    instance._password_changed = stored.first() not in (None, instance.password)


@receiver(post_save, sender=User)
def _revoke_tokens_on_password_change(sender, instance, **kwargs):
    if getattr(instance, "_password_changed", False):
        revoke_user_tokens(instance)
        instance._password_changed = False
