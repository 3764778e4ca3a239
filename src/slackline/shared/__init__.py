"""What processes must share, behind one port (:mod:`slackline.shared.base`)."""
