app_name = "policy"
urlpatterns: list = []
