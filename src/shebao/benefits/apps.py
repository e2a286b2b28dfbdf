from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "shebao.benefits"
    label = "benefits"
    verbose_name = "待遇支付"
