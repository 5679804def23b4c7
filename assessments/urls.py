from assessments import results_urls, workflow_urls

app_name = "assessments"

# Templates, inspections and rectifications; then rankings, summaries and the 通报.
urlpatterns = [*workflow_urls.urlpatterns, *results_urls.urlpatterns]
