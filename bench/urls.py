from django.urls import path

from config.urls import urlpatterns as app

from . import floor

urlpatterns = [
    *app,
    path("bench/trivial/", floor.trivial),
    path("bench/insert/", floor.insert_one),
]
