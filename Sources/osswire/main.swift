// The osswire command-line tool.
print("osswire: not built yet")
