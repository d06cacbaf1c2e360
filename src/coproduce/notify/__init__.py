"""Notifications: what concerns a person, in their "What's new" list and emailed as they
choose per kind (now, daily, weekly or never). Services call `notify.services.tell`;
digests are sent by `coproduce notify send-digests`. Email itself is coproduce.mail."""
