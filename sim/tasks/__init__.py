"""Every script's task as one kind of thing (``Task``): a name, a primary config of its own (``conf/<config>.yaml``),
a preflight, a run, a headline and the files it writes. ``experiments/<script>.py`` is ``launch.main(TASK)``;
``sim.tasks.registry`` lists them all (``experiments/reproduce.py`` dispatches through it). See README,
"Adding a task"."""
