from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "shebao.collection"
    label = "collection"
    verbose_name = "征缴"
