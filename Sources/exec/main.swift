print("exec")
