from django.urls import path

from guardianship import views, views_documents

app_name = "guardianship"

urlpatterns = [
    path("", views.PersonRegisterView.as_view(), name="register"),
    path("export/", views.PersonExportView.as_view(), name="register_export"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("visits/", views.VisitMatrixView.as_view(), name="visit_matrix"),
    path("screening/", views.ScreeningView.as_view(), name="screening"),
    path("photos/<int:pk>/", views.VisitPhotoView.as_view(), name="visit_photo"),
    path("findings/", views.FindingListView.as_view(), name="finding_list"),
    path("findings/new/", views.FindingCreateView.as_view(), name="finding_create"),
    path("findings/<int:pk>/resolve/", views.FindingResolveView.as_view(), name="finding_resolve"),
    path("visits/export/", views.VisitMatrixExportView.as_view(), name="visit_matrix_export"),
    path("persons/new/", views.PersonFormView.as_view(), name="person_create"),
    path("persons/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("persons/<int:pk>/edit/", views.PersonFormView.as_view(), name="person_update"),
    path("persons/<int:pk>/exit/", views.PersonExitView.as_view(), name="person_exit"),
    path("persons/<int:pk>/self-care/", views.SelfCareAssessView.as_view(), name="self_care_assess"),
    path("persons/<int:pk>/guardian/", views.GuardianAssignView.as_view(), name="guardian_assign"),
    path("persons/<int:pk>/guardian/replace/", views.GuardianReplaceView.as_view(), name="guardian_replace"),
    path(
        "persons/<int:pk>/guardians/<int:guardian_pk>/agreement/",
        views.AgreementSignView.as_view(),
        name="agreement_sign",
    ),
    path(
        "persons/<int:pk>/guardians/<int:guardian_pk>/agreement.docx",
        views_documents.AgreementDocumentView.as_view(),
        name="agreement_document",
    ),
    path("persons/<int:pk>/visits/new/", views.VisitCreateView.as_view(), name="visit_create"),
]
