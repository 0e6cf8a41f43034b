from django.urls import path
from rest_framework.routers import SimpleRouter

from booking.api import views

router = SimpleRouter()
router.register("therapists", views.TherapistViewSet, basename="therapist")
router.register("appointments", views.AppointmentViewSet, basename="appointment")

urlpatterns = [
    path("availability/", views.AvailabilityApi.as_view(), name="availability"),
    *router.urls,
]
