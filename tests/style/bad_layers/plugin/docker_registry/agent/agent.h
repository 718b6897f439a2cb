int agent;
