"""The Ray executor: batch shards and retrains as Ray tasks, driven from the API process.

Only `chronogan serve --executor ray` imports this package (Ray is the optional `ray` extra). The driver
(`driver.RayDriver`) claims jobs from the SQLite job store like a local worker, but runs their work as
Ray tasks (`tasks`) and is the only writer of the store: tasks report back through Ray (their return
values, the retrain's streamed progress), never to the database. See docs/SCALING.md.
"""
