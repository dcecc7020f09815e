"""What learners see: catalogue, my learning, modules, quizzes."""
