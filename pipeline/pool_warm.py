"""Imported only by the analysis pool's fork server (chipwatch.pipeline.pool): warms it up on import, so
every worker process forked from it starts with the vocabulary loaded. Nothing else imports this."""

from chipwatch.pipeline.pool import warm_up

warm_up()
