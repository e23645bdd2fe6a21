def clinic(request):
    return {"membership": getattr(request, "membership", None)}
