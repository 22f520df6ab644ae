from rest_framework import serializers

from apps.accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="effective_role", read_only=True)
    team = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "role", "team"]

    def get_team(self, user) -> dict | None:
        if user.team is None:
            return None
        return {"id": user.team_id, "name": user.team.name}


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=User._meta.get_field("username").max_length
    )
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; only its hash is stored.")
    expires_at = serializers.DateTimeField()
