from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from adcmeet.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "email", "affiliation", "is_adc_member", "is_staff")
    list_filter = ("is_adc_member", "is_staff", "is_superuser", "groups")
    search_fields = ("username", "name", "email", "affiliation", "cern_upn")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("ADC", {"fields": ("name", "affiliation", "is_adc_member", "cern_upn", "time_zone")}),
        ("Mail", {"fields": ("wants_slip_digests", "wants_convener_mail")}),
    )
