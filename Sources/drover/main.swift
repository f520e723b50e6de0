import DroverCLI
print("")
