# Models arrive with this app's issue; the app is installed so its migrations start in place.
