"""Admin for the domain: campaigns, officials, supporters, actions. (Foundation issue.)"""
