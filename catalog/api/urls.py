from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("massage-types", views.MassageTypeViewSet, basename="massage-type")
router.register("offerings", views.OfferingViewSet, basename="offering")

urlpatterns = router.urls
