"""Authoring: trainers write, review and publish modules and quizzes."""
