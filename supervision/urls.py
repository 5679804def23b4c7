from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.CommitteeListView.as_view(), name="committee_list"),
    path("new/", views.CommitteeCreateView.as_view(), name="committee_create"),
    path("<int:pk>/", views.CommitteeDetailView.as_view(), name="committee_detail"),
    path("<int:pk>/meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("<int:pk>/reviews/new/", views.ExpenseReviewCreateView.as_view(), name="review_create"),
    path("<int:pk>/matters/", views.MatterListView.as_view(), name="matter_list"),
    path("<int:pk>/matters/new/", views.MatterCreateView.as_view(), name="matter_create"),
    path("matters/<int:pk>/feedback/", views.MatterFeedbackView.as_view(), name="matter_feedback"),
    path("<int:pk>/annual/", views.AnnualListView.as_view(), name="annual_list"),
    path("<int:pk>/annual/report/", views.AnnualReportCreateView.as_view(), name="annual_report_create"),
    path("<int:pk>/annual/evaluation/", views.EvaluationCreateView.as_view(), name="evaluation_create"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member_remove"),
    path("elections/<int:pk>/", views.ElectionDetailView.as_view(), name="election_detail"),
    path("elections/<int:pk>/candidates/new/", views.CandidateCreateView.as_view(), name="candidate_create"),
    path("elections/<int:pk>/<slug:step>/", views.ElectionStepView.as_view(), name="election_step"),
    path("candidates/<int:pk>/exception/", views.ExceptionCreateView.as_view(), name="exception_create"),
    path("documents/<int:pk>/", views.ElectionDocumentView.as_view(), name="election_document"),
    path("rollout/", views.RolloutView.as_view(), name="rollout"),
    path("rollout/plan/", views.PilotPlanEditView.as_view(), name="pilot_plan_edit"),
    path("cadres/", views.CadreListView.as_view(), name="cadre_list"),
    path("cadres/new/", views.CadreCreateView.as_view(), name="cadre_create"),
    path("cadres/<int:pk>/relatives/new/", views.RelativeCreateView.as_view(), name="relative_create"),
]
