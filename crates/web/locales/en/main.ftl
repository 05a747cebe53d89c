nav-board = Pipeline
