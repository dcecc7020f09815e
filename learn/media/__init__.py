"""Module images, served to learners once published and to trainers always."""
