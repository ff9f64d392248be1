print("signal")
