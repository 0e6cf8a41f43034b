from django.urls import path
from rest_framework.routers import SimpleRouter

from booking.api import course_views, gift_card_views, views, visit_views

router = SimpleRouter()
router.register("therapists", views.TherapistViewSet, basename="therapist")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("visits", visit_views.VisitViewSet, basename="visit")
router.register("courses", course_views.CourseViewSet, basename="course")

urlpatterns = [
    path("availability/", views.AvailabilityApi.as_view(), name="availability"),
    # Before the router's `courses/<id>/`, which would take "plan" for an id.
    path("courses/plan/", course_views.CoursePlanApi.as_view(), name="course-plan"),
    path(
        "visits/<str:pk>/payment/gift-card/",
        gift_card_views.VisitGiftCardApi.as_view(),
        name="visit-payment-gift-card",
    ),
    *router.urls,
]
